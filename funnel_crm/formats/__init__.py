"""Date and number formats per UI language (settings.FORMAT_MODULE_PATH).

Django looks here before its own locale formats, so ``{{ value }}``,
``{{ value|date }}`` and ``{% now "DATE_FORMAT" %}`` follow the language:
Chinese pages show 2026年12月2日 14:05, English pages 2026-12-02 14:05
(ISO order, not the American default). Input formats put ISO first: date
widgets render their value in the first one, and the browser's date inputs
only accept ISO."""
