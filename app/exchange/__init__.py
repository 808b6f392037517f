"""The exchange with the local credit platform (信用淮安): the day's published grades, the confirmed
administrative penalties as 双公示 items, list entries and withdrawals, as files and over HTTP."""
