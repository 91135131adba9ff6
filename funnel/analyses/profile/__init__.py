"""Profile fit: sales' closable-lead criteria, the fit against them, and the learned profile."""
