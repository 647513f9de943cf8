"""The rules, once. Interfaces (admin, API, XBlock) call these and nothing else writes registrations."""
