"""isms: build an ISO/IEC 27001 document set (Word, HTML, spreadsheets) from plain-text sources."""

__version__ = "0.1.0"
