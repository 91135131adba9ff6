"""Analyses over a dataset: the funnel, leakage, closed loop, velocity, verdict checks, the
lead trace, speed to lead (``speed/``) and profile fit (``profile/``)."""
