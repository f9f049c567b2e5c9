"""The engine every domain declaration runs on: derived tables and fixed queries read from
the domains' ``.sql`` files (``queries``), the month memo (``memo``) and the declarations
themselves (``declare``: a domain, its work lists and summaries)."""
