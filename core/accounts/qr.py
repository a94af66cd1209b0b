"""The QR code that an authenticator app scans, as an SVG image in a data: URL (the
content security policy allows images from data: but no inline SVG styles)."""

import base64
import io

import qrcode
import qrcode.image.svg


def qr_code_data_url(text: str) -> str:
    image = qrcode.make(
        text,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        box_size=10,
        border=4,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    buffer = io.BytesIO()
    image.save(buffer)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"


def spaced(secret: str) -> str:
    """A secret in groups of four, easier to type: "ABCD EFGH ..."."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
