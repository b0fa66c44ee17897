"""Story-sharing guidance: which peer texts are held back to be reworded, and which private tips
the peer gets. Each category has texts that must be held and near misses (idioms, ordinary
recovery talk) that must pass, in English and Spanish."""

from __future__ import annotations

import pytest

from service.core.flow_check import HOST_MESSAGES
from service.core.share_review import HOLDS, TIPS, Review, review_share

GOOD_SHARE = (
    "Two years ago I was drinking every night after my divorce. What helped me was a meeting on Tuesdays"
    " and a friend I could text. Today I'm 18 months sober. How about you?"
)
GOOD_SHARE_ES = (
    "Hace dos años tomaba todas las noches. Lo que me ayudó fue un grupo los martes. Hoy llevo 18 meses"
    " sin tomar. ¿Y tú?"
)


def review(
    text: str,
    *,
    share: bool = False,
    peer_chars: int = 0,
    seeker_chars: int = 10_000,
    given: frozenset[str] = frozenset(),
    locale: str = "en",
) -> Review:
    return review_share(
        text, locale, is_share=share, peer_chars=peer_chars, seeker_chars=seeker_chars, tips_given=given
    )


# --- holds ---------------------------------------------------------------------------------

CONTACT = [
    "call me at 555-123-4567",
    "my cell is (555) 123 4567",
    "text me 555.123.4567 anytime",
    "+1 555 123 4567",
    "5551234567",
    "my number is 555 1234",
    "five five five one two three four",
    "5 5 5 1 2 3 4 5 6 7",
    "+44 20 7946 0958",
    "email me at john.smith@gmail.com",
    "johnsmith at gmail dot com",
    "check out bit.ly/x",
    "go to example.com",
    "https://foo.org/page",
    "www.recoveryhelp.net",
    "follow me @sober_mike",
    "insta: mike.sober",
    "my ig is mikesober",
    "add me on facebook",
    "I live at 123 Main St",
    "we lived at 45 oak street",
    "apt 4B",
    "zip 90210",
    "mi cel es 55 1234 5678",
    "llámame al (33) 1234-5678",
    "+52 1 55 1234 5678",
    "mi correo es ana_g@hotmail.com",
    "búscame en face",
    "vivo en Calle Reforma 45",
    "Av. Insurgentes Sur 1602",
    "depto 302",
]
NOT_CONTACT = [
    "I'm 18 months sober",
    "2015-2018 were my worst years",
    "I lost 30 pounds",
    "I went to 3 meetings a week",
    "2 years on the road",
    "I was at my lowest",
    "meet @ 5pm",
    "e.g. some days are hard",
    "call or text 988 any time",
    "my face is red",
    "facebook is toxic for me",
    "a 3 hour drive to rehab",
    "I spent 30 days in drug court",
    "the 12 step way of life",
    "It was 1999. In 2001 I relapsed.",
    "vivía en la calle por 2 años",
    "viví en la calle 3 años",
    "mi número de días sobrio es 400",
]


@pytest.mark.parametrize("text", CONTACT)
def test_contact_details_are_held(text):
    assert "contact" in review(text).held


@pytest.mark.parametrize("text", NOT_CONTACT)
def test_numbers_and_places_without_contact_details_pass(text):
    assert review(text).held == ()


NAME = [
    "my name is John Smith",
    "my name is john smith",
    "I'm Maria Lopez",
    "I’m Maria Lopez",
    "MY NAME IS JOHN SMITH",
    "My sponsor Mike Johnson got me through",
    "I called Sarah Connelly that night",
    "my sponsor mike johnson",
    "John Smith was my sponsor",
    "I talked to Jessica Martinez",
    "Dr. John Smith",
    "I met Will Smith",
    "his name was Tom Brady",
    "me llamo Ana García",
    "Me llamo ana garcia y tengo 30 años",
    "soy Pedro Ramírez",
    "Juan de la Cruz me ayudó",
    "la doctora Ana María Pérez me atendió",
    "mi padrino era Carlos Hernández",
]
NOT_NAME = [
    "my name is John and I'm an alcoholic",
    "I'm John",
    "I moved to New York",
    "Alcoholics Anonymous saved me",
    "Narcotics Anonymous and AA helped",
    "God and my Higher Power",
    "On Monday I went to a meeting",
    "In January I got sober",
    "Today I'm grateful",
    "I drank Jack Daniels every night",
    "Los Angeles was rough",
    "I was in Houston Texas",
    "Hi Maria, how are you?",
    "Thanks Mike, that means a lot",
    "Celebrate Recovery helped me",
    "I joined the Marine Corps",
    "On New Year's Eve I decided enough was enough",
    "I did my Fourth Step",
    "My Mom And Dad Helped Me",
    "I LOVE YOU ALL",
    "me llamo Ana y soy alcohólica",
    "Alcohólicos Anónimos me salvó",
    "Dos años después, Dios me ayudó",
    "Viví en Ciudad de México",
    "el Día de Muertos es difícil",
    "mi Poder Superior",
    "la Cruz Roja me atendió",
]


@pytest.mark.parametrize("text", NAME)
def test_full_names_are_held(text):
    assert "name" in review(text).held


@pytest.mark.parametrize("text", NOT_NAME)
def test_first_names_places_and_programs_pass(text):
    assert review(text).held == ()


SUBSTANCE = [
    "I was taking 80mg of oxy",
    "2 grams a day",
    "I drank a fifth a day",
    "a fifth of vodka every night",
    "12 beers a day",
    "I'd drink twelve beers every night",
    "I was shooting up in my car",
    "I started snorting it",
    "we were smoking it off foil",
    "I crushed the pills and snorted them",
    "I cooked it in a spoon",
    "I'll tell you how to get fentanyl",
    "that's where I bought my dope",
    "popping 6 percs a day",
    "3 shots of tequila before work",
    "half a gram of meth",
    "spent $200 a day on heroin",
    "me inyectaba heroína",
    "inhalaba cemento",
    "2 gramos diarios",
    "me tomaba una botella diaria",
    "me tomaba 10 cervezas",
    "fumaba cristal",
    "un litro de tequila al día",
    "sabía dónde conseguir mota",
]
NOT_SUBSTANCE = [
    "I drank every day",
    "I was addicted to heroin",
    "I quit smoking",
    "one drink is too many",
    "I had my last drink 2 years ago",
    "how to get sober was a mystery to me",
    "I didn't know how to get help",
    "slamming the door",
    "huffing and puffing",
    "I crushed it at work",
    "I cooked dinner for my kids",
    "inhale deeply and count to four",
    "I was shooting pool",
    "I took my meds",
    "one day at a time",
    "a fifth of my life",
    "a bundle of nerves",
    "tomaba todos los días",
    "me tomaba todo muy personal",
    "inhala profundo",
    "como un foco que se prende",
    "aspiraba a ser alguien",
]


@pytest.mark.parametrize("text", SUBSTANCE)
def test_amounts_and_ways_of_use_are_held(text):
    assert "substance_detail" in review(text).held


@pytest.mark.parametrize("text", NOT_SUBSTANCE)
def test_naming_a_substance_or_a_habit_passes(text):
    assert review(text).held == ()


SELF_HARM = [
    "I was cutting myself with a razor",
    "I cut my wrists",
    "I took 30 pills to end it",
    "I swallowed a bottle of sleeping pills",
    "I tried to hang myself",
    "I almost jumped off a bridge",
    "I overdosed on 40 pills",
    "I put a gun to my head",
    "I wanted to kill myself with pills",
    "I thought about suicide and bought a rope",
    "me corté las venas",
    "me cortaba con una navaja",
    "me tomé un frasco de pastillas",
    "intenté ahorcarme",
    "quise tirarme de un puente",
]
NOT_SELF_HARM = [
    "I had thoughts of suicide",
    "I self-harmed for years",
    "I tried to kill myself",
    "I attempted suicide twice",
    "I overdosed twice",
    "I was suicidal and addicted to pills",
    "hang in there",
    "I hung out with the wrong people",
    "I jumped at the chance",
    "I took a few days off",
    "cut back on drinking",
    "cut ties with old friends",
    "shot myself in the foot",
    "I took all the blame",
    "I pulled the trigger on a new job",
    "tuve pensamientos suicidas",
    "me autolesionaba",
    "intenté suicidarme",
    "corté con mi novia",
    "me corté el pelo",
]


@pytest.mark.parametrize("text", SELF_HARM)
def test_self_harm_methods_are_held(text):
    assert "self_harm_method" in review(text).held


@pytest.mark.parametrize("text", NOT_SELF_HARM)
def test_saying_it_happened_without_how_passes(text):
    assert review(text).held == ()


@pytest.mark.parametrize("share", [True, False])
def test_holds_apply_to_the_share_and_to_every_later_text(share):
    assert review("text me at 555-123-4567", share=share).held == ("contact",)


def test_the_most_serious_hold_comes_first():
    result = review("I cut my wrists. Call me at 555-123-4567, my name is John Smith")
    assert result.held == ("self_harm_method", "contact", "name")


@pytest.mark.parametrize(
    "text",
    [
        "５５５-１２３-４５６７",  # full-width digits
        "555\u200b-123-4567",  # a zero-width space
        "EMAIL ME AT JOHN.SMITH@GMAIL.COM",
        "Me llamo Ana Garcia",  # no accent
    ],
)
def test_full_width_digits_invisible_characters_capitals_and_missing_accents_do_not_hide_a_hold(text):
    assert review(text).held != ()


# --- tips ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [GOOD_SHARE, GOOD_SHARE_ES])
def test_a_good_share_gets_no_hold_and_no_tip(text):
    assert review(text, share=True, seeker_chars=0) == Review((), ())


@pytest.mark.parametrize(
    "text",
    [
        "I drank for ten years and lost everything. Now I'm sober.",
        "Tomé diez años y lo perdí todo. Hoy estoy sobrio.",
    ],
)
def test_a_share_that_never_says_what_helped_gets_that_tip(text):
    assert review(text, share=True).tips == ("what_helped",)


@pytest.mark.parametrize(
    "text",
    [
        "I drank for years. My sponsor got me through the first year.",
        "Therapy and my support group made the difference.",
        "What worked for me was one day at a time.",
        "Tomaba mucho. Lo que me sirvió fue la terapia.",
        "El apoyo de mi familia me sacó adelante.",
        "Las reuniones de AA me ayudaron.",
    ],
)
def test_naming_what_helped_in_either_language_is_enough(text):
    assert review(text, share=True).tips == ()


def test_what_helped_is_only_about_the_share():
    assert review("I lost everything back then.", share=False).tips == ()


def test_a_share_over_two_segments_gets_the_long_tip():
    long_share = "What helped me was a meeting. " * 11  # 330 GSM-7 characters: 3 segments
    assert review(long_share, share=True).tips == ("long",)
    assert review(long_share[:306], share=True).tips == ()
    assert review(long_share, share=False).tips == ()


def test_accents_count_the_text_as_ucs2_for_the_long_tip():
    spanish = "Lo que me ayudó fue ir a un grupo de AA cerca de mi casa, todos los días, con mi madrina. " * 2
    assert review(spanish, share=True).tips == ("long",)


@pytest.mark.parametrize(
    ("peer_chars", "seeker_chars", "tip"),
    [
        (590, 100, True),  # 610 > 300 and > 600
        (590, 0, True),
        (500, 0, False),  # 520: the peer has not written much yet
        (700, 300, False),  # 720 < 900: the seeker is writing too
        (900, 300, True),
    ],
)
def test_balance_tip_when_the_peer_writes_far_more_than_the_seeker(peer_chars, seeker_chars, tip):
    text = "That sounds so hard."  # 20 characters, counted with what came before
    result = review(text, peer_chars=peer_chars, seeker_chars=seeker_chars)
    assert result.tips == (("balance",) if tip else ())


DIRECTIVE = [
    "You should go to a meeting.",
    "you need to stop drinking",
    "You have to get a sponsor",
    "You must quit now",
    "You shouldn’t drink tonight.",
    "Just stop drinking.",
    "Go to a meeting tonight.",
    "Stop drinking, it's killing you.",
    "Don't drink tonight.",
    "Honestly, go to AA.",
    "If I were you I'd go to rehab",
    "Make sure you call your sponsor.",
    "Deberías ir a una reunión.",
    "Tienes que dejar de tomar.",
    "Creo que tienes que ir a una reunión.",
    "Necesitas ayuda profesional.",
    "Debes buscar un padrino.",
    "Deja de beber ya.",
    "Ve a una reunión de AA.",
    "No tomes esta noche.",
    "DEBERIAS IR A TERAPIA",
]
NOT_DIRECTIVE = [
    "What worked for me was going to a meeting.",
    "You don't have to do this alone.",
    "If you need to talk, I'm here.",
    "I'm not going to tell you what you should do.",
    "You must be exhausted.",
    "You should be proud of yourself.",
    "You shouldn't feel ashamed.",
    "Do you need to talk?",
    "Have you tried going to a meeting?",
    "Take care of yourself.",
    "Hang in there.",
    "Don't give up.",
    "I just go to meetings and listen.",
    "I make sure to go to meetings.",
    "I went to rehab and quit drinking.",
    "Every day I wake up and go to a meeting.",
    "Call or text 988 anytime.",
    "No tienes que pasar por esto solo.",
    "Si necesitas hablar, aquí estoy.",
    "¿Necesitas algo?",
    "Debes de estar cansado.",
    "Lo que necesites, aquí estoy.",
    "Lo que a mí me funcionó fue ir a un grupo.",
    "Dejé de tomar y busqué un grupo.",
]


@pytest.mark.parametrize("text", DIRECTIVE)
def test_telling_the_seeker_what_to_do_gets_the_directive_tip(text):
    assert review(text).tips == ("directive",)


@pytest.mark.parametrize("text", NOT_DIRECTIVE)
def test_sharing_reassuring_and_asking_are_not_directive(text):
    assert review(text).tips == ()


def test_each_tip_is_given_once_per_conversation():
    given: frozenset[str] = frozenset()
    sent = []
    for text in ["You should go to a meeting.", "You need to call your sponsor.", "You have to try."]:
        tips = review(text, given=given).tips
        sent += tips
        given |= set(tips)
    assert sent == ["directive"]


def test_tips_already_given_are_skipped_and_the_rest_still_come():
    text = "I drank for years and lost my job. You need to stop."  # nothing about what helped
    assert review(text, share=True).tips == ("what_helped", "directive")
    assert review(text, share=True, given=frozenset({"directive"})).tips == ("what_helped",)


def test_a_held_text_gets_no_tip():
    result = review("You should call me at 555-123-4567", share=True, peer_chars=5000, seeker_chars=0)
    assert result == Review(("contact",), ())


def test_an_empty_text_gets_nothing():
    assert review("   ", share=True) == Review((), ())


def test_every_hold_and_tip_has_a_message_for_the_peer():
    assert {f"share_held_{hold}" for hold in HOLDS} <= set(HOST_MESSAGES)
    assert {f"tip_{tip}" for tip in TIPS} <= set(HOST_MESSAGES)
