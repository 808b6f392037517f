"""Customer tiers and supply (客户分档、货源投放): the service side of credit. Base tiers and monthly
ordering figures come in from the ordering system; a versioned service policy turns each licence's
grade, confirmed out-of-area or diverted-carton records and a protected hardship flag into the
effective tier and supply coefficient of the next ordering cycle; a marketing supervisor publishes the
monthly run, which goes back to the ordering system; a supply suspension is a decision of its own."""
