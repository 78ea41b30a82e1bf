"""Every limit of input, each written once: how much text, nesting and digits the engine
accepts before it says "too long" / "too deep" instead of spending memory or time.

The numbers are documented for users in README.md ("Limits"); a change here is a change
of what files are accepted, and goes in the changelog.
"""
from __future__ import annotations

from typing import Final

# Python's own limit for int() of text (sys.int_info.default_max_str_digits): longer is a ValueError
MAX_INT_DIGITS: Final = 4300

# Rulebook files
MAX_FILE_BYTES: Final = 20 * 1024 * 1024        # one rulebook file
MAX_NODES: Final = 1_000_000                    # YAML nodes after alias expansion ("billion laughs")
MAX_EXPRESSION_CHARS: Final = 2_000_000         # all expressions of a file together, aliases counted each time
MAX_EXPR_CHARS: Final = 10_000                  # one expression
MAX_EXPR_DEPTH: Final = 40                      # nesting of one expression (brackets, operators)

# Durations a rulebook writes or computes from its parameters and literals (a parameter, days(n),
# a notice's extend_by): 100 years. No timer needs more, and so a deadline leaves the calendar
# (years 1 to 9999) only from a case's own date within a century of its edge, the field it names
MAX_DURATION_DAYS: Final = 36_525

# Documents: a rulebook's YAML, a case (JSON, YAML)
MAX_DEPTH: Final = 200                          # nesting of a document

# Case files and values
MAX_LINE_CHARS: Final = 10 * 1024 * 1024        # one line of JSON Lines
MAX_NUMBER_DIGITS: Final = 30                   # digits of a whole number in a case (JSON, CSV, a count field)
MAX_AMOUNT_CHARS: Final = 40                    # an amount written as text in a case
MAX_TIMESTAMP_CHARS: Final = 64                 # a timestamp in a case

# The workbench (`rulebook serve`)
MAX_REQUEST_BYTES: Final = 4 * 1024 * 1024      # one request body (a rulebook's text and a case)
MAX_WORK_SECONDS: Final = 10.0                  # one check, evaluation or test run before it is cut off

# Reports
MAX_KEPT_REJECTIONS: Final = 100                # rejected cases a summary or a diff keeps to show
