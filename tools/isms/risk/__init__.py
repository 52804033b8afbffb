"""Risk assessment, risk treatment and SoA traceability (asset inventory and risk register)."""
