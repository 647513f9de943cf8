"""Small helpers that import nothing else of the package: Django-version differences, date display.

Every layer may use them (models and migrations included), so they must stay leaves.
"""
