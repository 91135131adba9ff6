"""Speed to lead: the business clock, response times, the response curve, SLA and routing."""
