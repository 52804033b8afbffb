--[[
One pandoc process converts every document of a build: the input is empty, and this filter reads
each document's reST itself (pandoc.read), so heading levels are decided per document exactly as
docutils does, then joins the documents with marker paragraphs that the Python side splits on.

It also does what pandoc cannot know about Sphinx-style sources:
  * :ref:/:numref:/:doc: become the target's title (and document number when the target is another
    document); inside one document they link to the heading.
  * admonitions become a boxed one-cell table with a Japanese (or English) title;
  * a policy's lone top-level title is dropped (the cover already prints it) and the rest promoted;
  * a container whose class has a shading (the heat map's cells) marks its table cell for pandoc.py;
  * heading ids become short ASCII bookmarks (Word rejects some characters, and ids repeat across
    chapters), so the table of contents can point at them.

The manifest (JSON, path in metadata isms-manifest) holds:
  docs: [{id, parts: [file, ...], drop_title, chapter_breaks, signed, merge}], labels: {label: {text, number, doc,
  excluded}}, lang, marker, admonitions: {class: title}, shading: {class: fill}, same_doc_suffix.
]]

local manifest
local MARKER
local current_doc
local anchors -- label -> bookmark name, for the document being transformed

local function read_file(path)
  local handle = assert(io.open(path, 'rb'))
  local text = handle:read('a')
  handle:close()
  return text
end

local function marker_para(text)
  return pandoc.Para({ pandoc.Str(MARKER .. text) })
end

-- ------------------------------------------------------------------------- cross references

local function split_target(text)
  local shown, target = text:match('^(.-)%s*<([^<>]+)>%s*$')
  if target then
    return shown, target
  end
  return nil, text
end

local function number_suffix(entry)
  if entry.number == nil or entry.number == '' or entry.doc == current_doc.id then
    return ''
  end
  if manifest.lang == 'ja' then
    return '(' .. entry.number .. ')'
  end
  return ' (' .. entry.number .. ')'
end

-- "適用宣言書(ISMS-R-01、:ref:`soa`)": the number is already printed just before the reference.
local function number_just_printed(inlines, index, number)
  for back = index - 1, math.max(1, index - 4), -1 do
    local inline = inlines[back]
    if inline.t == 'Str' and inline.text:find(number, 1, true) then
      return true
    end
  end
  return false
end

local function resolve(role, text, inlines, index)
  local shown, target = split_target(text)
  local label = target:lower():gsub('^%s+', ''):gsub('%s+$', '')
  if role == 'doc' then
    label = label:gsub('^.*/', '')
  end
  local entry = manifest.labels[label]
  if entry == nil then
    return pandoc.Str(shown or target), nil
  end
  local words = (shown and shown ~= '') and shown or entry.text
  if entry.excluded and not shown then
    words = words .. entry.excluded
  end
  local suffix = number_suffix(entry)
  if suffix ~= '' and number_just_printed(inlines, index, entry.number) then
    suffix = ''
  end
  local inline = pandoc.Str(words .. suffix)
  local anchor = anchors[label]
  if entry.doc == current_doc.id and anchor then
    return pandoc.Link({ inline }, '#' .. anchor), entry
  end
  return inline, entry
end

-- pages.document_ref() already writes "(number)" after a reference: do not print it twice.
local function drop_repeated_number(inlines, index, entry)
  if entry == nil or entry.number == nil or entry.number == '' or entry.doc == current_doc.id then
    return
  end
  local next_index = index + 1
  if inlines[next_index] and inlines[next_index].t == 'Space' then
    next_index = next_index + 1
  end
  local following = inlines[next_index]
  if following and following.t == 'Str' then
    local wanted = '(' .. entry.number .. ')'
    if following.text:sub(1, #wanted) == wanted then
      local rest = following.text:sub(#wanted + 1)
      if rest == '' then
        inlines:remove(next_index)
      else
        following.text = rest
      end
      if next_index == index + 2 then
        inlines:remove(index + 1)
      end
    end
  end
end

local function role_of(code)
  if code.classes:includes('interpreted-text') then
    return code.attributes['role'] or ''
  end
  return nil
end

local function plain_role_text(text)
  local shown, target = split_target(text)
  return shown or target
end

local function is_wide(codepoint)
  return codepoint ~= nil and codepoint >= 0x2E80 -- CJK, kana, full-width forms
end

-- An ASCII bracket that a space must not separate from what it encloses: "( 8.9 ... )".
local function is_open(codepoint)
  return codepoint == 0x28 or codepoint == 0x5B
end

local function is_close(codepoint)
  return codepoint == 0x29 or codepoint == 0x5D
end

local function first_codepoint(text)
  for _, codepoint in utf8.codes(text) do
    return codepoint
  end
end

local function last_codepoint(text)
  -- back from the end to the first byte of the last character (not through the whole text)
  local start = #text
  if start == 0 then
    return nil
  end
  while start > 1 and start > #text - 3 do
    local byte = text:byte(start)
    if byte < 0x80 or byte >= 0xC0 then
      break
    end
    start = start - 1
  end
  return utf8.codepoint(text, start)
end

-- The text an inline prints (a Str, a link, emphasis...), for its first and last character.
local function inline_text(inline)
  if inline == nil then
    return ''
  end
  if inline.t == 'Str' then
    return inline.text
  end
  return pandoc.utils.stringify(inline)
end

-- reST needs spaces around a role ("は :ref:`soa` に", "( :ref:`soa` )"); Japanese text has none, and
-- no text has a space just inside brackets: drop a space that separates the reference from Japanese
-- text or from a bracket around it. `isms check` reports such spaces in the sources too.
local function trim_spaces(inlines, index)
  local after, beyond = inlines[index + 1], inlines[index + 2]
  if after and after.t == 'Space' and beyond then
    local next_char = first_codepoint(inline_text(beyond))
    if is_close(next_char) or (manifest.lang == 'ja' and is_wide(next_char)) then
      inlines:remove(index + 1)
    end
  end
  local before, earlier = inlines[index - 1], inlines[index - 2]
  if before and before.t == 'Space' and earlier then
    local previous_char = last_codepoint(inline_text(earlier))
    if is_open(previous_char) or (manifest.lang == 'ja' and is_wide(previous_char)) then
      inlines:remove(index - 1)
      return index - 1
    end
  end
  return index
end

-- pandoc's reST reader ends a bare URL only at a space, so in Japanese text it swallows the rest of
-- the line: "(https://www.minato-seiki.example)にも掲載する。" becomes one link. docutils (the site)
-- ends it where the URL ends: so do we, at the first character a URL cannot hold unescaped, without
-- a closing bracket it did not open, or trailing punctuation.
local function split_autolink(link)
  local text = pandoc.utils.stringify(link.content)
  if text ~= link.target then
    return nil
  end
  local cut = #text
  for position, codepoint in utf8.codes(text) do
    if codepoint > 0x7E or codepoint <= 0x20 then
      cut = position - 1
      break
    end
  end
  local url = text:sub(1, cut)
  while true do
    local last = url:sub(-1)
    local _, opened = url:gsub('%(', '')
    local _, closed = url:gsub('%)', '')
    if last:match('[%.,;:!%?]') or (last == ')' and closed > opened) then
      url = url:sub(1, -2)
    else
      break
    end
  end
  if url == text or url == '' then
    return nil
  end
  return { pandoc.Link({ pandoc.Str(url) }, url, link.title, link.attr), pandoc.Str(text:sub(#url + 1)) }
end

local TOUCHED = { SoftBreak = true, Link = true, Code = true, Span = true }

local function fix_inlines(inlines)
  local touched = false
  for _, inline in ipairs(inlines) do
    if TOUCHED[inline.t] then
      touched = true
      break
    end
  end
  if not touched then
    return nil -- unchanged: pandoc need not read the list back
  end
  local index = 1
  while index <= #inlines do
    local inline = inlines[index]
    local replaced = false
    if inline.t == 'SoftBreak' then
      -- east_asian_line_breaks is applied by pandoc's command line, not by pandoc.read. Stricter
      -- than it: a line break next to a Japanese character on either side is no space
      -- ("、\nECサイト" is "、ECサイト"), next to a link or emphasis too; English text has no wide
      -- characters, so is unaffected.
      local before, after = inlines[index - 1], inlines[index + 1]
      if before and after and (is_wide(last_codepoint(inline_text(before))) or is_wide(first_codepoint(inline_text(after)))) then
        inlines:remove(index)
        index = index - 1
      end
    elseif inline.t == 'Link' then
      local pieces = split_autolink(inline)
      if pieces then
        inlines[index] = pieces[1]
        inlines:insert(index + 1, pieces[2])
      end
    elseif inline.t == 'Code' then
      local role = role_of(inline)
      if role == 'ref' or role == 'numref' or role == 'doc' then
        local replacement, entry = resolve(role, inline.text, inlines, index)
        inlines[index] = replacement
        drop_repeated_number(inlines, index, entry)
        replaced = true
      elseif role ~= nil then
        -- Any other Sphinx role (:term:, :abbr:, ...): its text, never the raw markup.
        inlines[index] = pandoc.Str(plain_role_text(inline.text))
        replaced = true
      end
    elseif inline.t == 'Span' and inline.classes:includes('interpreted-text') then
      inlines[index] = pandoc.Str(plain_role_text(pandoc.utils.stringify(inline)))
      replaced = true
    end
    if replaced then
      index = trim_spaces(inlines, index)
    end
    index = index + 1
  end
  return inlines
end

-- ------------------------------------------------------------------------- blocks

local function admonition_title(div)
  for _, class in ipairs(div.classes) do
    local title = manifest.admonitions[class]
    if title then
      return class, title
    end
  end
  return nil, nil
end

local function boxed(title_inlines, content)
  local cell = pandoc.Blocks({ pandoc.Para({ pandoc.Strong(title_inlines) }) })
  cell:extend(content)
  local simple = pandoc.SimpleTable({}, { pandoc.AlignDefault }, { 1.0 }, {}, { { cell } })
  return pandoc.utils.from_simple_table(simple)
end

local fix_div

-- What a Div that is unwrapped (or shaded) leaves in its place: the top-down traversal does not call
-- the Div function on the Divs a function returns (a note inside a container would stay a plain
-- Div), so those are fixed here; their own contents are then traversed as usual.
local function fixed_blocks(blocks)
  local out = pandoc.Blocks({})
  for _, block in ipairs(blocks) do
    if block.t == 'Div' then
      local fixed = fix_div(block)
      if fixed == nil then
        out:insert(block)
      elseif fixed.t then
        out:insert(fixed)
      else
        out:extend(fixed)
      end
    else
      out:insert(block)
    end
  end
  return out
end

fix_div = function(div)
  local class, title = admonition_title(div)
  if class == 'admonition' then
    -- .. admonition:: Own title -> the first paragraph is the title.
    local first = div.content[1]
    local rest = pandoc.Blocks({})
    for i = 2, #div.content do
      rest:insert(div.content[i])
    end
    local inlines = first and first.content or { pandoc.Str(title) }
    return boxed(inlines, rest)
  elseif class then
    local rest = pandoc.Blocks({})
    for _, block in ipairs(div.content) do
      if not (block.t == 'Div' and block.classes:includes('title')) then
        rest:insert(block)
      end
    end
    return boxed({ pandoc.Str(title) }, rest)
  end
  if div.classes:includes('title') then
    return nil -- an admonition's title: its parent (visited after it) replaces it
  end
  for _, class in ipairs(div.classes) do
    local fill = manifest.shading[class]
    if fill then
      -- A shaded table cell (the heat map): pandoc.py turns the marker into the cell's w:shd.
      local content = pandoc.Blocks({ marker_para('shade:' .. fill) })
      content:extend(fixed_blocks(div.content))
      return content
    end
  end
  for _, dropped in ipairs({ 'contents', 'toctree', 'index', 'only', 'sidebar-toc' }) do
    if div.classes:includes(dropped) then
      return {}
    end
  end
  return fixed_blocks(div.content) -- unwrap any other Div (topic, container, ...): keep its content
end

local function rename_headers(blocks, counter)
  return blocks:walk({
    Header = function(header)
      counter.n = counter.n + 1
      -- pandoc hashes a bookmark name that does not start with a letter: no leading underscore.
      local name = string.format('TocIsms%04d', counter.n)
      if header.identifier ~= '' then
        anchors[header.identifier:lower()] = name
      end
      header.identifier = name
      return header
    end,
  })
end

local function drop_title(blocks)
  local first = blocks[1]
  if not first or first.t ~= 'Header' or first.level ~= 1 then
    return blocks
  end
  for i = 2, #blocks do
    if blocks[i].t == 'Header' and blocks[i].level == 1 then
      return blocks -- several top-level sections: no document title to drop
    end
  end
  blocks:remove(1)
  return blocks:walk({
    Header = function(header)
      header.level = math.max(1, header.level - 1)
      return header
    end,
  })
end

-- Images are published under content names (/_media/<sha256>.png, checked by `isms check`); pandoc
-- reads them from the repository. Anything else (a URL pandoc would fetch) becomes its alt text.
local function media_image(image)
  local name = image.src:match('^/_media/([%w.]+)$')
  local path = name and manifest.media[name]
  if path then
    image.src = path
    return image
  end
  return image.caption
end

local PAGE_BREAK = pandoc.RawBlock('openxml', '<w:p><w:r><w:br w:type="page"/></w:r></w:p>')

local EMPTY_CELL = '—'

-- doc.merge = {a, b} (0-based columns): in a body row whose cell a is empty, one cell spans a and b
-- and holds b's text.
local function merge_cells(doc)
  local first, second = doc.merge[1] + 1, doc.merge[2] + 1
  return function(tbl)
    if #tbl.colspecs <= second then
      return nil
    end
    for _, body in ipairs(tbl.bodies) do
      for _, row in ipairs(body.body) do
        local a, b = row.cells[first], row.cells[second]
        if #row.cells == #tbl.colspecs and a and b and pandoc.utils.stringify(a.contents) == EMPTY_CELL
            and pandoc.utils.stringify(b.contents) ~= EMPTY_CELL then
          a.contents = b.contents
          a.col_span = 2
          row.cells:remove(second)
        end
      end
    end
    return tbl
  end
end

-- pandoc turns more schemes into links than docutils (the check's reader) does: ms-word:ofe|u|…
-- opens a remote document, webcal:, skype:… Only web and mail links, and links inside the
-- document, stay links; any other keeps its text.
local function safe_link(link)
  local target = link.target:lower():gsub('[%c%s]', '')
  if target:match('^https?:') or target:match('^mailto:') or target:match('^#') then
    return nil
  end
  return link.content
end

local function convert(doc)
  anchors = {}
  local counter = { n = 0 }
  local blocks = pandoc.Blocks({})
  for index, path in ipairs(doc.parts) do
    -- Sandboxed (an empty file system): an 'include' the check missed reads nothing of the build
    -- machine. Raw markup from a text is dropped: this filter's own page breaks are the only raw
    -- Word XML a document may hold (no fields, no external links a source could smuggle in).
    local ok, parsed = pcall(pandoc.read, read_file(path), 'rst+east_asian_line_breaks', {}, {})
    if not ok then
      return nil, path .. '\t' .. tostring(parsed)
    end
    local part = parsed.blocks:walk({ RawBlock = function() return {} end, RawInline = function() return {} end, Link = safe_link })
    if doc.drop_title then
      part = drop_title(part)
    end
    if doc.chapter_breaks and index > 1 then
      blocks:insert(PAGE_BREAK)
    end
    blocks:extend(rename_headers(part, counter))
  end
  -- The information security policy's own closing lines (organisation, top management) give way to
  -- the dated signature block the frame prints from the profile and the ledger.
  if doc.signed and #blocks > 0 and blocks[#blocks].t == 'LineBlock' then
    blocks:remove(#blocks)
  end
  -- Second pass: every heading of the document is known, so references inside it can link. One
  -- traversal for all (top-down: each element before what it contains, into what a function
  -- returned); a walk per function cost a fifth of the whole pandoc run.
  local fixes = { traverse = 'topdown', Inlines = fix_inlines, Div = fix_div, Image = media_image }
  if type(doc.merge) == 'table' then
    fixes.Table = merge_cells(doc)
  end
  blocks = blocks:walk(fixes)
  return blocks, nil
end

function Pandoc(input)
  manifest = pandoc.json.decode(read_file(pandoc.utils.stringify(input.meta['isms-manifest'])), false)
  MARKER = manifest.marker
  local out = pandoc.Blocks({})
  for index, doc in ipairs(manifest.docs) do
    current_doc = doc
    out:insert(marker_para('doc:' .. tostring(index)))
    local ok, blocks, failure = pcall(convert, doc)
    if not ok then
      out:insert(marker_para('error:' .. tostring(blocks)))
    elseif failure then
      out:insert(marker_para('error:' .. failure))
    else
      out:extend(blocks)
    end
  end
  out:insert(marker_para('end'))
  local meta = input.meta
  meta['isms-manifest'] = nil
  return pandoc.Pandoc(out, meta)
end
