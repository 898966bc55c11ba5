"""Background work on projects runs as background jobs (``teams.jobs``); their
runners are registered in ``ProjectsConfig.ready``."""
