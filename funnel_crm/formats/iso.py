"""What both languages share: ISO input formats first (date widgets render their value
in the first one, and the browser's date inputs accept only ISO), the 24-hour clock,
thousands grouped with a comma."""

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"]
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1  # Monday, as in China where the users work

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
