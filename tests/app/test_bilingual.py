"""Bilingual policy texts ("中文 English") show the reader's half only."""
from app.common.bilingual import pick, split


def test_split_and_pick():
    assert split("暂停供货，待复核 suspended pending review") == ("暂停供货，待复核", "suspended pending review")
    assert split("条 carton") == ("条", "carton")
    assert split("暂停供货（待复核） suspended (pending)") == ("暂停供货（待复核）", "suspended (pending)")
    assert split("条") == ("条", "条") and split("cartons") == ("cartons", "cartons") and split(None) == ("", "")
    assert pick("条 carton", zh=True) == "条" and pick("条 carton", zh=False) == "carton"
