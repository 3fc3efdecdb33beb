"""The risk side: inquiries with purpose and consent, credit reports, disputes, corrections, erasure,
retention. Pure derivations live in ``report``; I/O-bearing operations in ``desk``."""
