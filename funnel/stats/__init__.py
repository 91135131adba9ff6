"""Statistics with no knowledge of funnels: intervals, survival (Kaplan–Meier) and
between-group tests."""
