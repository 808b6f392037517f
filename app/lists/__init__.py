"""Red and black lists (红名单 / 黑名单): versioned entry criteria, proposals after each published
quarterly evaluation, supervisor review, a public notice period with objections, publication, exit on
repair or expiry, and joint measures per list and partner."""
