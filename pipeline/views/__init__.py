"""Pages of the pipeline: one module per page (my_day, board, project sections, settings)."""
