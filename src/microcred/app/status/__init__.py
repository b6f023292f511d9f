"""Status lists: allocating entries at issuance, revoking and suspending, publishing signed status lists."""
