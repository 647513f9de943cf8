"""A kind of document that only the tests define: what a third-party package would ship.

Registered by the entry point of a distribution the test writes (``training_plan``), never by
the plugin itself.
"""

from cursus_xblock.documents.generators import DocumentGenerator, DocumentRefused
from cursus_xblock.documents.placeholders import OWN, Placeholder
from cursus_xblock.models import Role

GOALS = Placeholder("plan.goals", "The goals written in the person's training plan", OWN)
ONLY_LEARNERS = "A training plan is for learners only."


class TrainingPlanGenerator(DocumentGenerator):
    label = "Training plan"
    placeholders = (GOALS,)

    def check(self, *, registration, event=None, now=None):
        super().check(registration=registration, event=event, now=now)
        if registration.role != Role.LEARNER:
            raise DocumentRefused(ONLY_LEARNERS, code="not_a_learner")

    def context(self, **kwargs):
        context = super().context(**kwargs)
        context["plan"] = {"goals": f"Goals of {context['person']['full_name']}: first aid, then evacuation."}
        return context

    def sample_context(self, language):
        return {**super().sample_context(language), "plan": {"goals": "Sample goals"}}
