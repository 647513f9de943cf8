"""The Cursus XBlock: what learners and trainers see in a course unit."""
