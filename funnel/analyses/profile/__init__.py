"""Profile fit: sales' closable-lead criteria (``criteria``), how a criterion reads a lead
column (``fields``), the leads prepared once (``prepared``), the fit against a profile
(``fit``), and the profile learned from the won leads (``learned``)."""
