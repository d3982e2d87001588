"""Reading input workbooks and writing plans; nothing here knows about PuLP."""
