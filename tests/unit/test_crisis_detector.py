"""The crisis-language detector: English and Spanish texts in, the reasons they are a crisis out.

Tables of texts a person might send, by what the line must answer: each crisis category, the
ways the same words are not a crisis (idioms, negation, the past, recovery talk, films), and what
the normalising must see through (case, accents, shorthand, stretched letters, typos).
"""

from __future__ import annotations

import pytest

from service.adapters.crisis_files import load_detector
from service.core.crisis import CATEGORIES, CrisisDetector, LexiconError, parse_lexicon


@pytest.fixture(scope="module")
def detector() -> CrisisDetector:
    return load_detector()


def kinds(detector: CrisisDetector, text: str, locale: str = "en") -> list[str]:
    return [reason.split(":", 1)[0] for reason in detector.scan(text, locale)]


CRISIS = [
    # ideation: wanting to die, passive wishes included
    ("ideation", "I want to die"),
    ("ideation", "i just wanna die"),
    ("ideation", "I wish I was dead"),
    ("ideation", "sometimes i wish i could go to sleep and never wake up"),
    ("ideation", "everyone would be better off without me"),
    ("ideation", "I don't want to wake up tomorrow"),
    ("ideation", "I don't want to be alive anymore"),
    ("ideation", "i keep thinking about killing myself"),
    ("ideation", "having suicidal thoughts again"),
    ("ideation", "what's the point of living"),
    ("ideation", "nobody would even notice if i died"),
    ("ideation", "I'm so tired of being alive"),
    ("ideation", "maybe i should just end it all"),
    ("ideation", "I feel like such a burden to everyone"),
    ("ideation", "there's no reason to keep living"),
    ("ideation", "me quiero morir"),
    ("ideation", "quiero morirme ya"),
    ("ideation", "ya no quiero vivir"),
    ("ideation", "ya no quiero estar aquí"),
    ("ideation", "a veces pienso en quitarme la vida"),
    ("ideation", "tengo ganas de morir"),
    ("ideation", "ojalá no despertara mañana"),
    ("ideation", "mi familia estaría mejor sin mí"),
    ("ideation", "no tengo razones para vivir"),
    ("ideation", "estoy cansada de vivir"),
    # intent
    ("intent", "I'm going to kill myself tonight"),
    ("intent", "im gonna end it all this weekend"),
    ("intent", "I'll kill myself if he leaves"),
    ("intent", "i won't be here tomorrow"),
    ("intent", "I've decided to end my life"),
    ("intent", "me voy a matar esta noche"),
    ("intent", "voy a quitarme la vida"),
    ("intent", "hoy me mato"),
    # plan
    ("plan", "I wrote a suicide note"),
    ("plan", "how many tylenol does it take to die"),
    ("plan", "I've been planning how to kill myself"),
    ("plan", "i wrote a letter to my kids. i'm done with everything"),
    ("plan", "ya tengo todo planeado para matarme"),
    ("plan", "escribí una carta de despedida"),
    ("plan", "cuántas pastillas se necesitan para morir"),
    # means
    ("means", "I've been saving up my pills"),
    ("means", "i have enough pills to end it"),
    ("means", "I keep thinking about jumping off the bridge"),
    ("means", "I want to overdose on purpose"),
    ("means", "I bought a gun and I'm done"),
    ("means", "he estado juntando pastillas"),
    ("means", "quiero tirarme del puente"),
    ("means", "quiero ahorcarme"),
    # self-harm
    ("self_harm", "I cut myself again last night"),
    ("self_harm", "i want to cut so bad"),
    ("self_harm", "I've been burning myself"),
    ("self_harm", "relapsed on self harm"),
    ("self_harm", "me corto los brazos cuando estoy triste"),
    ("self_harm", "quiero lastimarme"),
    ("self_harm", "volví a cortarme"),
    # imminent
    ("imminent", "I already took all my pills"),
    ("imminent", "just swallowed a whole bottle of tylenol"),
    ("imminent", "i'm standing on the ledge"),
    ("imminent", "this is goodbye"),
    ("imminent", "by the time you read this i'll be gone"),
    ("imminent", "ya me tomé todas las pastillas"),
    ("imminent", "me estoy desangrando"),
    ("imminent", "esta es mi despedida"),
    # abuse against the texter
    ("abuse", "my husband hits me"),
    ("abuse", "he threatened to kill me"),
    ("abuse", "I'm not safe at home"),
    ("abuse", "my stepdad raped me"),
    ("abuse", "I was sexually assaulted last night"),
    ("abuse", "i'm scared to go home"),
    ("abuse", "mi esposo me pega"),
    ("abuse", "me amenaza con matarme"),
    ("abuse", "me violó mi tío"),
    ("abuse", "no estoy segura en casa"),
    ("abuse", "tengo miedo de que me mate"),
    ("abuse", "my dad hits my mom and me when he drinks"),
    ("abuse", "he said nobody would ever find my body"),
    ("abuse", "my stepdad comes into my room at night and touches me"),
    ("abuse", "mi novio me golpeó anoche"),
    ("abuse", "mi marido no me deja salir"),
    ("abuse", "he forced me to have sex with him"),
]


# Said indirectly: no "die" or "kill" needed.
INDIRECT = [
    "i dont see the point in living anymore",
    "what if i just didn't wake up",
    "i just want to sleep and not wake up",
    "everything would be easier if i wasnt here",
    "i dont think ill be around much longer",
    "theres no way out of this except dying",
    "i can't promise i'll be safe tonight",
    "i'm scared of what i might do to myself",
    "i don't trust myself tonight",
    "my head keeps telling me to end it",
    "i'm going to make sure i don't wake up",
    "i won't be a burden to anyone much longer",
    "this is the last time you'll hear from me",
    "honestly suicide sounds nice right now",
    "i've thought about how i would do it",
    "i have the pills lined up on my desk",
    "i'm sitting in my car with a hose from the exhaust",
    "i already gave my dog away and wrote letters to everyone. i'm ready",
    "I'm on the roof of my building and I'm going to jump",
    "sometimes i hope a car hits me so it's over",
    "todo sería más fácil si yo no estuviera",
    "no creo que dure mucho más",
    "quiero irme con mi mamá al cielo",
    "nadie me va a extrañar cuando me vaya",
    "no me siento segura conmigo misma hoy",
    "tengo miedo de lo que me pueda hacer",
    "las voces me dicen que me mate",
    "me voy a asegurar de no despertar",
    "estoy en la azotea y me voy a tirar",
    "me tomé todo lo que había en el botiquín",
    "regalé mis cosas y borré mis redes, ya está todo listo",
]


@pytest.mark.parametrize("text", INDIRECT)
def test_a_crisis_said_indirectly_is_found(detector, text):
    found = kinds(detector, text)
    assert found, text
    assert "third_party" not in found, detector.scan(text, "en")


@pytest.mark.parametrize(("category", "text"), CRISIS, ids=[t for _, t in CRISIS])
def test_a_crisis_is_found_in_its_category(detector, category, text):
    found = kinds(detector, text)
    assert category in found, (text, detector.scan(text, "en"))
    assert "third_party" not in found


THIRD_PARTY = [
    "my brother says he wants to end it",
    "My friend told me she wants to kill herself",
    "I think my son is suicidal",
    "my friend took a bunch of pills and won't answer",
    "my best friend has been cutting herself",
    "he's not breathing, he took something",
    "my sister's boyfriend beats her",
    "how do I help a friend who wants to die?",
    "mi amiga se tomó un montón de pastillas",
    "mi hermano dice que se quiere matar",
    "mi hija se corta",
    "mi papá le pega a mi mamá",
    "my teenage son said he wishes he was dead",
    "my husband said we'd all be better off without him",
    "someone in my group chat said theyre gonna kms tonight",
    "i found my brother with a rope in the garage",
    "my roommate said goodbye to me and locked herself in her room",
    "mi novia me mandó un mensaje de despedida y no contesta",
    "mi esposo dice que estaríamos mejor sin él",
    "creo que mi papá se va a dar un tiro",
    "mi ahijado tuvo una sobredosis y está morado",
]


@pytest.mark.parametrize("text", THIRD_PARTY)
def test_someone_else_at_risk_is_only_third_party(detector, text):
    assert kinds(detector, text) == ["third_party"], detector.scan(text, "en")


def test_the_texter_and_someone_else_both_at_risk_give_both_kinds(detector):
    found = kinds(detector, "my brother wants to kill himself and honestly i want to die too")
    assert found == ["ideation", "third_party"]


NOT_CRISIS = [
    # idioms
    ("idiom", "I'd kill for a coffee"),
    ("idiom", "this commute is killing me"),
    ("idiom", "dying to see you this weekend!"),
    ("idiom", "she's killing it at her new job"),
    ("idiom", "I'm dead 😂"),
    ("idiom", "that cake was to die for"),
    ("idiom", "I almost died laughing"),
    ("idiom", "my mom is gonna kill me if she finds out I failed"),
    ("idiom", "bored to death at work"),
    ("idiom", "hang in there, we'll hang out soon"),
    ("idiom", "I need to cut back on coffee"),
    ("idiom", "I want to take my life back"),
    ("idiom", "I'm going to end it with him tonight"),
    ("idiom", "me muero de hambre"),
    ("idiom", "me muero de risa jajaja"),
    ("idiom", "me muero de ganas de verte"),
    ("idiom", "me mata el tráfico"),
    ("idiom", "morí de risa con ese video"),
    ("idiom", "mi mamá me va a matar si se entera"),
    ("idiom", "me corté el pelo"),
    # negation
    ("negation", "I don't want to die, I want help"),
    ("negation", "I'm not suicidal, just sad"),
    ("negation", "I would never hurt myself"),
    ("negation", "i'm not going to kill myself, don't worry"),
    ("negation", "ya no quiero morir"),
    ("negation", "no quiero morir, quiero ayuda"),
    ("negation", "nunca me haría daño"),
    # past, resolved
    ("past", "2 years ago I tried to kill myself, now I'm ok"),
    ("past", "I used to cut"),
    ("past", "back in high school I was suicidal but I'm doing great now"),
    ("past", "hace 5 años intenté suicidarme, ahora estoy bien"),
    ("past", "antes me cortaba pero ya no"),
    # recovery talk
    ("recovery", "I want to stop drinking"),
    ("recovery", "relapsed last night"),
    ("recovery", "overdose awareness day is coming up"),
    ("recovery", "got my naloxone kit today"),
    ("recovery", "I'm scared I'll overdose if I use again"),
    ("recovery", "I'd rather die than drink again"),
    ("recovery", "quiero dejar de beber"),
    ("recovery", "recaí anoche"),
    # films, songs, the news
    ("media", "watched the movie where he kills himself"),
    ("media", "the main character wants to die in that book"),
    ("media", "la película donde el personaje se quiere matar"),
    # everyday sadness and life
    ("everyday", "I feel so alone"),
    ("everyday", "my phone is dead"),
    ("everyday", "can't sleep again"),
    ("everyday", "my dad died last year and I miss him"),
    ("everyday", "I have a plan for my first week sober"),
    ("everyday", "I take my meds every morning"),
    ("everyday", "me siento muy sola"),
    ("everyday", "no estoy segura de qué hacer"),
    ("everyday", "extraño a mi mamá"),
    ("everyday", "I bought a rope for the boat"),
    ("everyday", "no aguanto más"),
    ("everyday", "I lost my brother to suicide"),
    ("everyday", "my friend died of an overdose last year"),
    ("everyday", "suicide prevention training at work"),
    ("everyday", "i just want to disappear for a weekend"),
    ("everyday", "i'm so done with this job"),
    ("idiom", "I'd die for my kids"),
    ("idiom", "shoot me a text when you're free"),
    ("idiom", "ese chiste me mató 😂"),
    ("idiom", "me estoy muriendo de sueño"),
    ("idiom", "esta canción está para morirse"),
    ("negation", "no, no estoy pensando en matarme"),
    ("past", "2 years ago i tried to kill myself, today im doing ok"),
    ("past", "i was suicidal last winter but meds and therapy helped a lot"),
    ("past", "i used to self harm but i've been clean 2 years"),
    ("past", "hace dos años intenté quitarme la vida, hoy estoy bien"),
]


@pytest.mark.parametrize(("kind", "text"), NOT_CRISIS, ids=[t for _, t in NOT_CRISIS])
def test_the_same_words_that_are_not_a_crisis_are_left_alone(detector, kind, text):
    assert detector.scan(text, "en") == (), (kind, text)


@pytest.mark.parametrize(
    ("text", "crisis"),
    [
        ("I said I didn't want to die but honestly I do", True),  # taken back
        ("ya no quiero vivir", True),  # the negation is the meaning
        ("im not ok i want to die", True),  # a new subject starts a new clause
        ("I'm not fine, I want to die", True),  # so does a comma
        ("I can't stop thinking about killing myself", True),  # "can't stop" negates nothing
        ("i dont know why i want to die", True),
        ("not gonna lie i want to die", True),
        ("its getting hard not to kill myself", True),
        ("not that I want to die", False),  # negation carried over "that I"
        ("I don't think I want to die", False),
        ("I never said I wanted to kill myself", False),
    ],
)
def test_negation_is_read_in_its_clause_only(detector, text, crisis):
    assert bool(detector.scan(text, "en")) is crisis, detector.scan(text, "en")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("I WANT TO DIE", "ideation: WANT TO DIE"),
        ("i wanna dieeeee", "ideation: wanna dieeeee"),
        ("I’m gonna kill myself", "intent: gonna kill myself"),
        ("im gonna kms", "intent: gonna kms"),
        ("thinking about sucide", "ideation: thinking about sucide"),
        ("i want to commit suicidle", "ideation: want to commit suicidle"),
        ("wanna unalive myself", "ideation: wanna unalive myself"),
        ("i want to ctb", "ideation: want to ctb"),
        ("thinking about sewerslide", "ideation: thinking about sewerslide"),
        ("i should just kys", "ideation: i should just kys"),
        ("KIERO MATARME", "ideation: KIERO MATARME"),
        ("q ya no kiero estar aki", "ideation: ya no kiero estar aki"),
        ("toy pensando en suicidarme", "ideation: toy pensando en suicidarme"),
        ("quiero quitarme la vída", "ideation: quiero quitarme la vída"),
        ("me voy a suicidar", "intent: me voy a suicidar"),
        ("gonna od tonight", "means: gonna od tonight"),
        ("I want to die!!! 😭😭", "ideation: want to die"),
    ],
)
def test_writing_is_normalised_and_reasons_quote_it_as_written(detector, text, reason):
    assert reason in detector.scan(text, "es"), detector.scan(text, "es")


def test_kys_alone_is_not_the_texter_at_risk_but_being_told_it_is_abuse(detector):
    assert detector.scan("lol kys", "en") == ()
    assert kinds(detector, "people at school keep telling me to kys") == ["abuse"]


def test_both_languages_are_scanned_whatever_the_locale(detector):
    assert detector.scan("me quiero morir", "en") == ("ideation: me quiero morir",)
    assert detector.scan("I want to die", "es") == ("ideation: want to die",)
    assert kinds(detector, "my friend dice que se quiere matar", "en") == ["third_party"]


def test_reasons_name_the_category_and_the_words_most_severe_first(detector):
    reasons = detector.scan("I want to die. I already took all my pills", "en")
    assert reasons == ("imminent: already took all my pills", "ideation: want to die")
    for reason in reasons:
        assert reason.split(": ", 1)[0] in CATEGORIES


def test_third_party_reasons_quote_who_and_what(detector):
    assert detector.scan("my brother says he wants to end it", "en") == (
        "third_party: my brother ... wants to end it",
    )
    assert detector.scan("mi amiga se tomó un montón de pastillas", "es") == (
        "third_party: mi amiga se tomó un montón de pastillas",
    )


def test_a_long_reason_is_clipped_in_the_middle():
    data = {"en": {**MINIMAL, "patterns": {"ideation": ["start ~8 end"]}}, "es": {**MINIMAL, "patterns": {}}}
    detector = CrisisDetector(parse_lexicon(data, "test"))
    text = "start " + " ".join(["extraordinarily"] * 8) + " end"
    [reason] = detector.scan(text, "en")
    assert reason.startswith("ideation: start extraordinarily")
    assert reason.endswith("extraordinarily end")
    assert " ... " in reason
    assert len(reason) <= len("ideation: ") + 80


def test_weak_words_count_only_with_something_that_speaks_of_dying(detector):
    assert detector.scan("I have a plan", "en") == ()
    assert detector.scan("I bought a rope for the boat", "en") == ()
    assert kinds(detector, "I have a plan. I'm done with life") == ["plan", "ideation"]


def test_empty_and_punctuation_only_texts_are_not_a_crisis(detector):
    assert detector.scan("", "en") == ()
    assert detector.scan("?!... 😊", "en") == ()


def test_the_version_comes_from_the_files(detector):
    assert detector.version == "en2+es2"


MINIMAL = {"version": 1, "slots": {"refl": {"self": ["myself"], "other": ["herself"]}}}


def test_a_lexicon_is_data_patterns_over_slots_and_negators():
    data = {
        "en": {
            **MINIMAL,
            "negation": {"negators": ["not"]},
            "patterns": {"intent": ["going to (kill|hurt) {refl}"]},
        },
        "es": {"version": 2, "slots": {}, "patterns": {"ideation": ["quiero morir"]}},
    }
    detector = CrisisDetector(parse_lexicon(data, "test"))
    assert detector.version == "en1+es2"
    assert detector.scan("going to hurt myself", "en") == ("intent: going to hurt myself",)
    assert detector.scan("she's going to kill herself", "en") == ("third_party: going to kill herself",)
    assert detector.scan("not going to hurt myself", "en") == ()
    assert detector.scan("quiero morir", "en") == ("ideation: quiero morir",)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"patterns": {"intent": ["going to {nothing}"]}}, "patterns.intent: unknown slot {nothing}"),
        ({"patterns": {"worry": ["x"]}}, "'worry' is not a category"),
        ({"patterns": {"intent": ["(going to"]}}, "'(' without ')'"),
        ({"patterns": {"intent": ["Going"]}}, "'Going' is not a normalised word"),
        (
            {"patterns": {"intent": ["wanna die"]}, "normalise": {"rewrite": {"wanna": "want to"}}},
            "'wanna' is rewritten to 'want to' before matching; write that",
        ),
        ({"version": "1"}, "version: expected a whole number"),
        ({"colour": "red"}, "colour: unknown field"),
        ({"slots": {"a": ["{b}"], "b": ["{a}"]}}, "slots.a: refers back to itself"),
    ],
)
def test_a_bad_lexicon_is_refused_naming_the_file_and_the_problem(change, message):
    data = {"en": {**MINIMAL, "patterns": {}, **change}, "es": {**MINIMAL, "patterns": {}}}
    with pytest.raises(LexiconError) as raised:
        parse_lexicon(data, "lex")
    problems = raised.value.problems
    assert any(message in problem and problem.startswith("lex/en.yaml: ") for problem in problems), problems


# --- families, not sentences: each row is one way a crisis is said, in words of our own ----------

FAMILIES = [
    # ideation: wishes never to wake, not to exist, to be gone; "better off", burden, no way out
    ("ideation", "kinda hoping i don't wake up tomorrow"),
    ("ideation", "i'd be fine if i just didn't wake up"),
    ("ideation", "i can't see a way out anymore"),
    ("ideation", "so over being alive"),
    ("ideation", "i'm not meant to be alive"),
    ("ideation", "everyone would move on fast if i died"),
    ("ideation", "being dead would be easier than this"),
    ("ideation", "i keep picturing my own funeral and feeling calm"),
    ("ideation", "i'd give anything to just not exist"),
    ("ideation", "if i got hit by a bus i think i'd be relieved"),
    ("ideation", "no one would even miss me"),
    ("ideation", "i'd rather be dead than keep feeling like this"),
    ("ideation", "ando cansada de vivir"),
    ("ideation", "cansado de vivir así"),
    ("ideation", "quiero desaparecer para siempre"),
    ("ideation", "no le veo salida a esto"),
    ("ideation", "he perdido las ganas de vivir"),
    ("ideation", "no me veo viva el próximo año"),
    ("ideation", "ojalá me dé algo y me muera"),
    ("ideation", "le pido a diosito que me recoja"),
    ("ideation", "todos seguirían igual si yo me muero"),
    ("ideation", "pensar en morirme me tranquiliza"),
    # intent: a time and a death, said plainly or not
    ("intent", "tonight i end things"),
    ("intent", "by friday i'll be gone for good"),
    ("intent", "i'm not making it through the night"),
    ("intent", "i'm going to jump tonight"),
    ("intent", "no more pain after tonight"),
    ("intent", "me mato después de la cena"),
    ("intent", "esta noche acabo con todo"),
    ("intent", "no voy a pasar de esta noche"),
    ("intent", "me voy a tirar esta noche"),
    # plan: arrangements for after, notes, dates and places, research, rehearsal
    ("plan", "made sure the rent is paid so nobody has to deal with it after"),
    ("plan", "scheduled my emails to go out after i'm gone"),
    ("plan", "i picked the place and the time"),
    ("plan", "i've got it all mapped out, the when and the how"),
    ("plan", "i already know which overpass"),
    ("plan", "i've decided on pills"),
    ("plan", "looked up if it hurts to drown"),
    ("plan", "been practicing with a belt"),
    ("plan", "wrote my note so my mom will find it after"),
    ("plan", "made a playlist for my funeral"),
    ("plan", "i won't need my stuff anymore, take it"),
    ("plan", "i'm saying goodbye to everyone without them knowing"),
    ("plan", "dejé mis cuentas arregladas para cuando ya no esté"),
    ("plan", "elegí la hora y el lugar"),
    ("plan", "ya tengo pensado el dónde y el cómo"),
    ("plan", "ya sé cuál puente"),
    ("plan", "busqué si duele ahogarse"),
    ("plan", "renté un cuarto para que mi familia no me encuentre"),
    ("plan", "ya lo tengo todo pensado"),
    # means: a lethal means held, got, kept, counted, fixed on, or "would do it"
    ("means", "i have a gun in my closet"),
    ("means", "bought rope at the hardware store today"),
    ("means", "i've been hiding my pills instead of taking them"),
    ("means", "i have two whole bottles of sleeping pills"),
    ("means", "i keep staring at the knife drawer"),
    ("means", "the overpass near school is high enough"),
    ("means", "that bridge would do it"),
    ("means", "the beam in the attic would hold my weight"),
    ("means", "the rifle in the basement isn't locked up"),
    ("means", "i know where my mom keeps her sleeping pills"),
    ("means", "i could just drive into a wall"),
    ("means", "ya tengo las pastillas aquí"),
    ("means", "conseguí un arma"),
    ("means", "he estado guardando mis pastillas en vez de tomarlas"),
    ("means", "la viga del patio aguanta mi peso"),
    ("means", "ese barranco serviría"),
    ("means", "sé dónde guarda mi papá la pistola"),
    ("means", "podría aventarme del puente"),
    ("means", "con lo que tengo me alcanza para no despertar"),
    # self_harm: cutting, burning, hitting, on purpose, tools on the body, urges, relapse
    ("self_harm", "slammed my fist into the wall on purpose"),
    ("self_harm", "i used a lighter on my arm"),
    ("self_harm", "the urges to cut are bad tonight"),
    ("self_harm", "cut again, couldn't stop"),
    ("self_harm", "i scratch my arms raw when i'm anxious"),
    ("self_harm", "sh'd last night"),
    ("self_harm", "i made myself bleed"),
    ("self_harm", "i want to hurt my body"),
    ("self_harm", "broke the blade out of a razor"),
    ("self_harm", "me corto cuando me siento así"),
    ("self_harm", "me lastimo a propósito"),
    ("self_harm", "me quemé el brazo a propósito"),
    ("self_harm", "me pasé la navaja por la pierna"),
    ("self_harm", "tengo ganas de cortarme"),
    ("self_harm", "tengo las piernas llenas de cortes"),
    ("self_harm", "saqué la cuchilla del sacapuntas"),
    # imminent: completed acts with a means, places with now, goodbyes, the body giving out
    ("imminent", "i took my whole bottle of pills"),
    ("imminent", "drank bleach an hour ago"),
    ("imminent", "i slit my wrist"),
    ("imminent", "on the roof now"),
    ("imminent", "standing on the tracks, train's coming"),
    ("imminent", "one foot over the railing"),
    ("imminent", "i'm writing this from the bridge"),
    ("imminent", "the noose is up"),
    ("imminent", "took them all. can't feel my legs"),
    ("imminent", "me tomé toda la caja de pastillas"),
    ("imminent", "me eché el veneno"),
    ("imminent", "me abrí las venas"),
    ("imminent", "en el puente ahorita"),
    ("imminent", "estoy parado en las vías"),
    ("imminent", "me despido para siempre"),
    ("imminent", "la soga ya está lista"),
    # abuse: what someone does to the texter
    ("abuse", "my boyfriend broke my nose"),
    ("abuse", "he pulled a knife on me"),
    ("abuse", "she grabbed me by the hair and dragged me"),
    ("abuse", "my stepdad comes into my room at night"),
    ("abuse", "my husband makes me sell myself"),
    ("abuse", "mi novio me dio una patada"),
    ("abuse", "me puso la pistola en la cabeza"),
    ("abuse", "mi papá me agarró del cuello"),
    ("abuse", "me tienen encerrada en el cuarto"),
]


@pytest.mark.parametrize(("category", "text"), FAMILIES, ids=[t for _, t in FAMILIES])
def test_each_family_of_expressions_is_found_in_its_category(detector, category, text):
    found = kinds(detector, text)
    assert category in found, (text, detector.scan(text, "en"))
    assert "third_party" not in found, detector.scan(text, "en")


FAMILIES_OF_OTHERS = [
    "my roommate has been hoarding her meds",
    "my son keeps staring at the rope in the garage",
    "my friend says she's done living",
    "my dad is on the roof and says he's going to jump",
    "i found razor blades in my daughter's backpack",
    "my girlfriend texted goodbye and her phone is off",
    "my brother sent me a photo of pills and said he's sorry",
    "one of my students wrote a story about wanting to die",
    "my mom locked herself in the bathroom with her pills",
    "mi hermana está regalando sus cosas y se despidió",
    "mi papá dice que pronto va a estar muerto",
    "mi amigo está en la azotea y dice que se va a tirar",
    "mi hija tiene cortes en los brazos que se hizo ella misma",
    "encontré navajas en el cuarto de mi hijo",
    "mi esposa se tomó todo el frasco y no despierta",
]


@pytest.mark.parametrize("text", FAMILIES_OF_OTHERS)
def test_someone_elses_crisis_is_only_third_party_in_every_family(detector, text):
    assert kinds(detector, text) == ["third_party"], detector.scan(text, "en")


@pytest.mark.parametrize(
    ("alone", "together", "category"),
    [
        ("i'm giving my stuff away", "i'm giving my stuff away, i won't need it", "plan"),
        ("tell my mom i love her", "tell my mom i love her. it's done", "imminent"),
        ("i'm ready to go", "i'm ready to go, it's decided", "intent"),
        ("asked my sister to keep my cat", "asked my sister to keep my cat, she doesn't know why", "plan"),
        ("no me busquen", "no me busquen, ya no hay vuelta atrás", "imminent"),
        ("la vida no tiene sentido", "la vida no tiene sentido, ya me quiero ir", "ideation"),
    ],
)
def test_an_ambiguous_signal_alone_is_let_through_but_two_together_are_not(
    detector, alone, together, category
):
    assert detector.scan(alone, "en") == (), alone
    assert category in kinds(detector, together), detector.scan(together, "en")


GUARDED = [
    # a question answered no
    ("denial", "suicidal? no, just worn out"),
    ("denial", "end it all? nah, i'm just venting"),
    ("denial", "¿matarme? para nada, solo estoy cansada"),
    # zero, none, sin: negation said other ways
    ("negation", "zero thoughts of hurting myself lately"),
    ("negation", "sin ganas de lastimarme, por suerte"),
    ("negation", "no tengo ningún plan de hacerme daño"),
    # the past, closed
    ("past", "there was a time i wanted to disappear but that's over"),
    ("past", "hubo una época en que me cortaba, ya pasó"),
    # an everyday use, occasion or errand
    ("ordinary", "bought a rope for the tent"),
    ("ordinary", "my uncle keeps his rifle for hunting"),
    ("ordinary", "on the bridge now, traffic is awful"),
    ("ordinary", "i picked the date and the place for the party"),
    ("ordinary", "compré una cuerda para tender la ropa"),
    ("ordinary", "estoy en el puente, hay mucho tráfico"),
    # idioms and banter
    ("idiom", "my sister told me to kys because i beat her at uno"),
    ("idiom", "that joke, i'm dead"),
    ("idiom", "i'd rather die than sing in public"),
    ("idiom", "prefiero morirme antes que bailar"),
    ("idiom", "me muero contigo jajaja"),
    ("idiom", "ese examen me mató"),
    ("idiom", "gone for a week on vacation, the cat sitter comes daily"),
    ("idiom", "this is my last text for tonight, night!"),
    ("idiom", "my cat scratched my hand until it bled"),
    # stories and the news
    ("media", "the news said someone jumped from the overpass"),
    ("media", "saw a documentary about domestic violence"),
    # everyday words that look like means
    ("everyday", "cut tonight's practice short, too tired"),
    ("everyday", "need to bleed the brakes on my bike"),
    ("everyday", "i can't feel my fingers it's so cold outside"),
    ("everyday", "me quemé con el aceite cocinando"),
]


@pytest.mark.parametrize(("kind", "text"), GUARDED, ids=[t for _, t in GUARDED])
def test_guards_keep_the_same_words_that_are_not_a_crisis_quiet(detector, kind, text):
    assert detector.scan(text, "en") == (), (kind, text)


def test_a_clause_start_lets_a_pattern_read_a_text_without_a_subject():
    en = {**MINIMAL, "negation": {"clause_breaks": [","]}, "patterns": {"self_harm": ["^ cut again"]}}
    data = {"en": en, "es": {**MINIMAL, "patterns": {}}}
    detector = CrisisDetector(parse_lexicon(data, "test"))
    assert detector.scan("cut again", "en") == ("self_harm: cut again",)
    assert detector.scan("bad night, cut again", "en") == ("self_harm: cut again",)
    assert detector.scan("they cut again my hours", "en") == ()


def test_an_everyday_use_sets_aside_means_plan_and_imminent_but_not_the_rest():
    en = {
        **MINIMAL,
        "ordinary": ["for the boat"],
        "patterns": {"means": ["bought a rope"], "ideation": ["want to die"]},
    }
    data = {"en": en, "es": {**MINIMAL, "patterns": {}}}
    detector = CrisisDetector(parse_lexicon(data, "test"))
    assert detector.scan("bought a rope for the boat", "en") == ()
    assert detector.scan("bought a rope. it is for the boat", "en") == ("means: bought a rope",)
    assert detector.scan("want to die, bought a rope for the boat", "en") == ("ideation: want to die",)


def test_a_question_answered_no_is_set_aside():
    en = {**MINIMAL, "negation": {"denials": ["nah"]}, "patterns": {"ideation": ["suicidal"]}}
    detector = CrisisDetector(parse_lexicon({"en": en, "es": {**MINIMAL, "patterns": {}}}, "test"))
    assert detector.scan("suicidal? nah", "en") == ()
    assert detector.scan("suicidal. nah", "en") == ("ideation: suicidal",)
    assert detector.scan("suicidal? yes", "en") == ("ideation: suicidal",)


# Families added after holdout2 (plans told as arrangements, means searched for, acts just done,
# goodbyes, sextortion and stalking, someone else's crisis). Sentences written for these tests.
MORE_FAMILIES = [
    ("ideation", "i dont see any point in living anymore"),
    ("ideation", "honestly why am i even still alive"),
    ("ideation", "everyone would be better off with my life insurance than with me"),
    ("ideation", "honestly the insurance money would do more good than me"),
    ("ideation", "thinking abt sewerslide a lot"),
    ("ideation", "a veces pienso que lo mejor es no estar"),
    ("ideation", "ya no le encuentro sentido a nada"),
    ("ideation", "ojalá me atropelle un camión mañana"),
    ("ideation", "estoy cansao de vivir"),
    ("intent", "me voy de este mundo hoy"),
    ("plan", "gonna do it on my birthday"),
    ("plan", "i scheduled texts to my family explaining everything"),
    ("plan", "wrote notes to each of my kids"),
    ("plan", "the note is under my pillow. waiting until my parents fall asleep"),
    ("plan", "made sure my dog will be taken care of. last thing to do"),
    ("plan", "les dejé notas a mis papás"),
    ("plan", "cuando mi esposo se duerma lo hago"),
    ("plan", "tengo programado un correo para mi familia"),
    ("plan", "vendí mi carro y le pasé el dinero a mi mamá. después del lunes ya me voy"),
    ("plan", "el sábado voy al puente, ya está decidido"),
    ("plan", "ya borré mis cuentas y anoté las contraseñas para mi hermana"),
    ("means", "looked up the highest bridges in the county"),
    ("means", "googled how much it would take"),
    ("means", "the gun is in my lap"),
    ("means", "estuve investigando los puentes más altos de la ciudad"),
    ("means", "no dejo de mirar la azotea del edificio"),
    ("means", "cuántas pastillas de clonazepam bastarían"),
    ("self_harm", "my cuts were deeper this time"),
    ("self_harm", "i need to cut so bad"),
    ("self_harm", "punched the mirror till my knuckles bled"),
    ("self_harm", "golpeé la pared hasta que me sangraron las manos"),
    ("imminent", "swallowed every one of my pills"),
    ("imminent", "downed half a bottle of whiskey and took my klonopin"),
    ("imminent", "please tell my dad i am sorry"),
    ("imminent", "i am on the roof of the parking garage. it is so peaceful up here"),
    ("imminent", "ya me tomé todo el bote"),
    ("imminent", "me tragué todas mis pastillas de la presión"),
    ("imminent", "diganle a mi familia que lo siento"),
    ("abuse", "he has my nudes and is threatening to post them"),
    ("abuse", "she said she would leak my pics if i tell anyone"),
    ("abuse", "my ex showed up at my work and there is a restraining order"),
    ("abuse", "if i leave him he will kill me"),
    ("abuse", "dice que si lo dejo me mata"),
    ("abuse", "tiene fotos mías y amenaza con publicarlas"),
    ("abuse", "está enfrente de mi casa y tiene orden de alejamiento"),
    ("abuse", "my cousin touched me two summers ago and it still happens at family parties"),
]


@pytest.mark.parametrize(("category", "text"), MORE_FAMILIES, ids=[t for _, t in MORE_FAMILIES])
def test_more_families_are_found_in_their_category(detector, category, text):
    found = kinds(detector, text)
    assert category in found, (text, detector.scan(text, "en"))
    assert "third_party" not in found, detector.scan(text, "en")


MORE_FAMILIES_OF_OTHERS = [
    "my sister keeps talking about ending it all since the divorce",
    "he says he wants to jump off the overpass",
    "found the pills my daughter has been hoarding",
    "found the razors my son has been hiding",
    "her stepdad hurts her",
    "he gave away his guitar and talks about seeing his mom soon",
    "mi hermano quiere tirarse del puente",
    "se va a pasar con las pastillas",
    "mi primo se pasó con la droga",
    "encontré las navajas que mi hija estaba escondiendo",
    "mi tío va a estrellar su carro",
    "mi amiga me mandó foto de muchas pastillas",
    "el novio de mi amiga le hace daño",
    "mi cuñado ya no le ve sentido a nada y me regaló su chamarra",
    "mi hermana tomó una sobredosis el año pasado y dice que lo va a volver a intentar",
    "a girl from my class posted that tonight's the night",
]


@pytest.mark.parametrize("text", MORE_FAMILIES_OF_OTHERS)
def test_someone_elses_crisis_is_only_third_party_in_more_families(detector, text):
    assert kinds(detector, text) == ["third_party"], detector.scan(text, "en")


MORE_GUARDED = [
    ("everyday", "i want to cut my hair short"),
    ("everyday", "tell my mom i am sorry i will be late for dinner"),
    ("everyday", "he is outside my house waiting to pick me up"),
    ("everyday", "i looked up how many calories are in a donut"),
    ("everyday", "the tallest building in the city has a great view"),
    ("everyday", "i scheduled an email to my boss for monday"),
    ("everyday", "paid off all my debts this year, feels great"),
    ("everyday", "i do not see the point of this homework"),
    ("everyday", "the pills are in my hand, about to take my morning meds"),
    ("everyday", "el domingo voy al puente a caminar"),
    ("everyday", "le regalé mi guitarra a mi primo porque ya no la toco"),
    ("everyday", "vendí la moto para comprar un carro"),
    ("everyday", "pagué todas mis deudas, qué alivio"),
    ("everyday", "fue la última vez que fui a ese restaurante"),
    ("idiom", "el laburo me está matando jaja"),
    ("idiom", "la chamba hoy me mató"),
    ("idiom", "mi jefa me va a matar"),
    ("media", "esa película me pegó duro"),
    ("past", "i was suicidal back in college, sharing my story at the meeting tonight"),
]


@pytest.mark.parametrize(("kind", "text"), MORE_GUARDED, ids=[t for _, t in MORE_GUARDED])
def test_more_guards_keep_the_same_words_that_are_not_a_crisis_quiet(detector, kind, text):
    assert detector.scan(text, "en") == (), (kind, text)


@pytest.mark.parametrize(
    "text",
    [
        "I took 30 pills one night. What helped me was a counselor.",
        "that night i cut deep. what helped was calling a friend",
        "one night i overdosed. therapy helped",
        "took 20 pills back then, years ago. what saved me was my sponsor",
        "una noche me tomé 30 pastillas. lo que me ayudó fue la terapia",
    ],
)
def test_a_peer_telling_a_past_method_with_what_helped_is_history(detector, text):
    assert detector.scan(text, "en") == (), text


@pytest.mark.parametrize(
    "text",
    [
        "I took 30 pills tonight",
        "just took 30 pills",
        "i took 30 pills tonight. what helped?",
        "me tomé 30 pastillas hoy",
    ],
)
def test_the_same_method_taken_now_is_still_a_crisis(detector, text):
    assert "imminent" in kinds(detector, text), detector.scan(text, "en")


def test_hit_in_earnest_is_abuse_even_when_said_like_the_idiom(detector):
    assert kinds(detector, "mi papá me pegó duro") == ["abuse"]
