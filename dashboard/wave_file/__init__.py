"""A wave file: a spreadsheet (CSV or .xlsx) with one row per practice to migrate, read and checked.

Nothing here writes to the database; `dashboard/services.py` stores the file and creates the wave.
- `layout.py`: the file's columns and how their headers may be written, the date forms it accepts,
  the downloadable template;
- `limits.py`: the limits a file is read within, and the checks that hold an .xlsx archive to them
  before openpyxl opens it;
- `reading.py`: `read_table()` turns CSV or .xlsx bytes into rows, and `inspect()` checks a file
  before it is stored;
- `checking.py`: `check_rows()` says what each row would create and what is wrong with it, using a
  fixed handful of queries however long the file is.

Each module raises `UnreadableFile` (here, so all of them can) when the file as a whole cannot be used.
"""


class UnreadableFile(Exception):
    """The file as a whole cannot be used (wrong type, damaged, missing columns, too long)."""
