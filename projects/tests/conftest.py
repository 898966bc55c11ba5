import pytest


@pytest.fixture(autouse=True)
def _competitors_ticked_by_hand(db):
    """The projects app's own tests exercise hand-ticked items on "competitors",
    which the pipeline derives from data once it is installed (pipeline.rules):
    here it is an item an admin has set to be ticked by hand."""
    from projects.models import ChecklistItem

    ChecklistItem.objects.filter(key="competitors").update(rule="")
