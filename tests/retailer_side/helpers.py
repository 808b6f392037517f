import base64
import io

from PIL import Image, ImageDraw


def signature_data_url() -> str:
    img = Image.new("RGBA", (340, 160), (255, 255, 255, 0))
    d = ImageDraw.Draw(img)
    d.line([(20, 120), (80, 40), (140, 120), (200, 40), (300, 110)], fill=(0, 0, 0, 255), width=3)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


TRAINING_ANSWERS = {"q1": "0", "q2": "1", "q3": "0", "q4": "1"}


def prepare(session, retailer_id):
    """Sign the commitment and pass the training through the pages, as a retailer does."""
    r = session.post(f"/me/commitment/{retailer_id}", data={"agreed": "1", "signer_name": "王小明",
                                                            "signature": signature_data_url(),
                                                            "csrf_token": session._csrf})
    assert r.status_code == 302, r.data[:500]
    r = session.post("/me/training", data={**TRAINING_ANSWERS, "csrf_token": session._csrf})
    assert r.status_code == 302, r.data[:500]
