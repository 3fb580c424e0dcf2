"""The words of part "words": a short description of what each Fashion-MNIST class looks like
(its shape, parts and outline in a 28x28 grey image), and, as the control, the class name alone
in a prompt. Data, written once before any image was looked at; index = Fashion-MNIST label."""

from __future__ import annotations

from learnlab.data.builtin_images import FASHION_NAMES

FASHION_CLASSES = tuple(FASHION_NAMES)  # the data set's class names, in label order

FASHION_DESCRIPTIONS = (
    "A T-shirt: a light upper-body garment with short sleeves, a round neck and no buttons, "
    "seen flat as a wide T shape.",
    "Trousers: a long narrow garment for the legs, two long parallel tubes joined at the waist, "
    "taller than wide.",
    "A pullover: a warm knitted upper-body garment with long sleeves and no opening at the "
    "front, seen flat as a wide shape with arms spread.",
    "A dress: a one-piece garment for women, narrow at the top and widening into a long skirt "
    "below the waist, often without sleeves.",
    "A coat: a long heavy outer garment with long sleeves, buttons or a zip down the front and "
    "a collar, worn over other clothes.",
    "A sandal: an open low summer shoe made of thin straps over a flat sole, with gaps showing "
    "the foot.",
    "A shirt: a buttoned upper-body garment with a collar and long or short sleeves, a line of "
    "buttons down the front.",
    "A sneaker: a low sports shoe with a thick rubber sole and laces, closed, long and flat, "
    "seen from the side.",
    "A bag: a handbag or purse, a rectangular box-like container with a handle or strap on "
    "top and no sleeves or legs.",
    "An ankle boot: a closed shoe that rises above the ankle, with a heel and a high shaft, "
    "seen from the side as an L shape.",
)

FASHION_NAME_PROMPTS = tuple(f"a photo of a {name.lower()}" for name in FASHION_CLASSES)
