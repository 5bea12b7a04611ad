"""The REST API under /api/v1/ and the personal tokens that reach it.

A request goes: `urls.py` → a view in `views.py` (thin: it finds the object the owner may see and
calls the service the pages call) → `serializers.py` for the answer. `authentication.py` turns a
`Bearer` token into its owner (tokens are made and revoked in `tokens.py`, on the pages of
`pages.py`); `throttling.py` counts each token's requests in the shared cache; `problems.py` turns
every refusal into an RFC 9457 problem body; `audit.py` keeps a row for every write. Reading reuses
the dashboard's own functions (`dashboard.selectors`, `columns`, `rag`, `stages`), never a copy of
a rule. The re-entry log is only ever counts: no answer holds a patient identifier.
"""
