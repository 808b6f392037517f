"""Banks (信易贷): a retailer's consent to a named bank, and the bank's queries made under it."""
