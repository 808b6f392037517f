"""Excel exports (导出Excel) of the lists staff see: the same filters and the same scope as the page,
written on the job runner into an .xlsx the person who asked downloads from the job's page.
``registry`` says, per list, how its query is built (the page's own function), its columns and rows;
``services`` starts an export and writes the file."""
