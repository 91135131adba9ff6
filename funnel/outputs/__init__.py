"""What leaves the app: the CLI's JSON (contract), the report, the notebook bundle, table and
chart exports, and shared workspaces."""
