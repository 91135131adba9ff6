"""Page sections: one module per page, each a few functions that draw one part of it."""
