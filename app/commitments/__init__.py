"""Credit commitments (信用承诺): versioned text, signed copies, public listing, yearly renewal."""
