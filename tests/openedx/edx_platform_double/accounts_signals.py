"""Double of ``openedx/core/djangoapps/user_api/accounts/signals.py``: plain Django signals, sent with ``user=``.

The LMS sends ``USER_RETIRE_LMS_MISC.send(sender=LMSAccountRetirementView, user=retirement.user)``
(``openedx/core/djangoapps/user_api/accounts/views.py``) during the « LMS misc » retirement step.
"""

from django.dispatch import Signal

# Signal to retire a user from LMS-initiated mailings (course mailings, etc)
USER_RETIRE_MAILINGS = Signal()

# Signal to retire LMS critical information
USER_RETIRE_LMS_CRITICAL = Signal()

# Signal to retire LMS misc information
USER_RETIRE_LMS_MISC = Signal()
