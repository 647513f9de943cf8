"""Double of ``openedx/core/djangoapps/lang_pref/__init__.py``: the key of the language preference."""

# this is the UserPreference key for the user's preferred language
LANGUAGE_KEY = "pref-lang"
