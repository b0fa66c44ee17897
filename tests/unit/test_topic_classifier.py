"""The offline topic classifier: English and Spanish texts in, ranked topic ids out."""

from __future__ import annotations

import pytest

from service.adapters.settings import SHIPPED_FLOWS
from service.adapters.topic_files import load_taxonomy
from service.core.topic_classifier import Taxonomy, TaxonomyError, classify, parse_taxonomy


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(SHIPPED_FLOWS)


def top(text: str, taxonomy: Taxonomy, locale: str | None = None) -> str | None:
    matches = classify(text, taxonomy, locale)
    return matches[0].topic if matches else None


def topics(text: str, taxonomy: Taxonomy, locale: str | None = None) -> list[str]:
    return [match.topic for match in classify(text, taxonomy, locale)]


TOP_EN = [
    ("I need a drink so bad right now", "alcohol"),
    ("hungover again and called in sick", "alcohol"),
    ("my sponsor isn't picking up", "alcohol"),
    ("been drinkin every nite this week", "alcohol"),
    ("i drank a whole bottle of vodka last night", "alcohol"),
    ("I used again last night", "drugs"),
    ("i've been smoking weed every day to cope", "drugs"),
    ("dope sick and no money", "drugs"),
    ("trying to get off pills", "drugs"),
    ("nodding out at work, i think i'm addicted", "drugs"),
    ("i feel like a burden to everyone", "depression"),
    ("i just feel empty and numb all the time", "depression"),
    ("been crying all day for no reason", "depression"),
    ("i dont want to do anything anymore, no motivation", "depression"),
    ("constantly on edge and my chest feels tight", "anxiety"),
    ("freaking out about tomorrow, my anxiety is through the roof", "anxiety"),
    ("i worry about everything all the time", "anxiety"),
    ("my grandma died last week", "grief"),
    ("it's been a year since my brother passed", "grief"),
    ("we buried my dad on saturday", "grief"),
    ("my boyfriend and i keep fighting", "relationships"),
    ("she wants a divorce", "relationships"),
    ("we broke up after 6 years", "relationships"),
    ("i dont have anyone to talk to", "loneliness"),
    ("i feel so alone all the time", "loneliness"),
    ("i have no friends since i moved", "loneliness"),
    ("i was sexually assaulted last year", "trauma"),
    ("my ex used to beat me", "trauma"),
    ("i get flashbacks when someone yells", "trauma"),
    ("my daughter won't talk to me anymore", "family"),
    ("cps took my kids", "family"),
    ("my boss yells at me every day", "work"),
    ("can't find work anywhere", "work"),
    ("behind on bills and drowning in debt", "work"),
    ("finals week is killing me", "school"),
    ("my teacher hates me and im failing", "school"),
    ("I keep waking up at 3am and can't fall back asleep", "sleep"),
    ("cant fall asleep no matter what", "sleep"),
    ("I was diagnosed with diabetes", "health"),
    ("chronic pain every day since the surgery", "health"),
    ("we got evicted today", "housing"),
    ("staying at a shelter right now", "housing"),
    ("got arrested last night", "justice"),
    ("there's a warrant out for me", "justice"),
    ("my probation officer wants a drug test", "justice"),
    ("i think i'm gay and i'm scared to tell anyone", "identity"),
    ("my parents don't accept that i'm trans", "identity"),
    ("I served two tours in Iraq", "veterans"),
    ("since i got out of the army nothing feels right", "veterans"),
    ("lost my whole paycheck at the casino", "gambling"),
    ("can't stop betting on games", "gambling"),
]

TOP_ES = [
    ("necesito un trago ya", "alcohol"),
    ("anoche me emborraché otra vez", "alcohol"),
    ("llevo 3 meses sin tomar", "alcohol"),
    ("estoy bebiendo todos los días", "alcohol"),
    ("volví a consumir cristal", "drugs"),
    ("no puedo dejar la mota", "drugs"),
    ("me estoy drogando mucho", "drugs"),
    ("me siento vacía y sin ganas de nada", "depression"),
    ("estoy deprimido desde hace meses", "depression"),
    ("lloro todas las noches", "depression"),
    ("me dan ataques de pánico", "anxiety"),
    ("estoy muy estresada y preocupada", "anxiety"),
    ("mi abuelita falleció ayer", "grief"),
    ("perdí a mi hermano hace un año", "grief"),
    ("mi novio me engañó", "relationships"),
    ("me estoy divorciando", "relationships"),
    ("me siento muy solo", "loneliness"),
    ("no tengo con quién hablar", "loneliness"),
    ("mi papá me pegaba de niño", "trauma"),
    ("sufrí abuso sexual", "trauma"),
    ("mi hija no me habla", "family"),
    ("me quitaron a mis hijos", "family"),
    ("me despidieron del trabajo", "work"),
    ("tengo muchas deudas", "work"),
    ("voy a reprobar el semestre", "school"),
    ("no puedo dormir", "sleep"),
    ("tengo pesadillas todas las noches", "sleep"),
    ("me diagnosticaron cáncer", "health"),
    ("nos desalojaron", "housing"),
    ("no tengo dónde vivir", "housing"),
    ("tengo corte la próxima semana", "justice"),
    ("mi hermano está preso", "justice"),
    ("salí del clóset con mi familia", "identity"),
    ("soy veterano del ejército", "veterans"),
    ("aposté todo mi sueldo", "gambling"),
    ("no puedo dejar las maquinitas", "gambling"),
]


@pytest.mark.parametrize(("text", "expected"), TOP_EN)
def test_english_texts_find_their_topic_first(text, expected, taxonomy):
    assert top(text, taxonomy) == expected


@pytest.mark.parametrize(("text", "expected"), TOP_ES)
def test_spanish_texts_find_their_topic_first(text, expected, taxonomy):
    assert top(text, taxonomy) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("she drinks every night", "alcohol"),
        ("i drank too much", "alcohol"),
        ("he was drunk again", "alcohol"),
        ("keeps relapsing", "alcohol"),
        ("we're divorcing", "relationships"),
        ("he overdoses all the time", "drugs"),
        ("he gambles every weekend", "gambling"),
        ("she cried for hours", "depression"),
        ("worrying nonstop", "anxiety"),
        ("bebía todas las noches", "alcohol"),
        ("sigo bebiendo", "alcohol"),
        ("bebí de más", "alcohol"),
        ("me estaba drogando", "drugs"),
        ("sigo apostando", "gambling"),
        ("borrachos en la casa", "alcohol"),
        ("estamos deprimidas", "depression"),
        ("los nervios me matan", "anxiety"),
        ("lo enterramos ayer", "grief"),
    ],
)
def test_inflected_forms_match_their_listed_word(text, expected, taxonomy):
    assert top(text, taxonomy) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("murio mi abuela", "grief"),
        ("mi hermano esta en la carcel", "justice"),
        ("me dan ataques de panico", "anxiety"),
        ("me siento vacia", "depression"),
        ("tengo depresion", "depression"),
        ("MI ESPOSO ME ENGAÑÓ", "relationships"),
    ],
)
def test_accents_and_case_do_not_matter(text, expected, taxonomy):
    assert top(text, taxonomy) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("im so depresed", "depression"),
        ("feeling lonley", "loneliness"),
        ("my anxeity is bad", "anxiety"),
        ("totally overwelmed", "anxiety"),
        ("nightmars every night", "sleep"),
        ("been drinkin again", "alcohol"),
        ("la ansiedadd no me deja", "anxiety"),
    ],
)
def test_one_typo_in_a_longer_word_is_forgiven(text, expected, taxonomy):
    assert top(text, taxonomy) == expected


@pytest.mark.parametrize(
    "text",
    [
        "good morning",  # not "mourning"
        "i wanted to say thanks",  # not "wasted"
        "what are you saying",  # not "staying clean"
        "solo quiero saludar",  # "solo" is not "sola", "saludar" is not "salud"
        "yo también",  # not "ambien"
        "i'll call you later",  # not "ill"
        "this is winning",  # not "wine"
    ],
)
def test_everyday_words_are_not_typos_of_topic_words(text, taxonomy):
    assert classify(text, taxonomy) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cant sleep bc of work", "sleep"),
        ("can not sleep", "sleep"),
        ("I\u2019m sooo lonely", "loneliness"),
        ("saaaad all the time", "depression"),
        ("got in a fight w/ my gf", "relationships"),
        ("u dont get it, im broke", "work"),
        ("wanna drink so bad rn", "alcohol"),
        ("no tengo cn quien hablar", "loneliness"),
        ("toy bien cansao", "sleep"),
        ("can\u2019t stop crying", "depression"),
    ],
)
def test_texting_shorthand_and_stretched_words(text, expected, taxonomy):
    assert top(text, taxonomy) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I haven't had a drink in 30 days", "alcohol"),
        ("i'm not using anymore", "drugs"),
        ("never gambling again", "gambling"),
        ("no he bebido en un mes", "alcohol"),
        ("ya no me drogo", "drugs"),
    ],
)
def test_negation_keeps_the_topic(text, expected, taxonomy):
    assert top(text, taxonomy) == expected


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("aaron called me today", "alcohol"),
        ("reading the bible", "identity"),
        ("see you next week", "relationships"),
        ("united we stand", "school"),
        ("going on vacation", "veterans"),
        ("road trip", "grief"),
        ("potato salad", "drugs"),
    ],
)
def test_short_words_match_only_whole_words(text, absent, taxonomy):
    assert absent not in topics(text, taxonomy)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("went to an AA meeting", "alcohol"),
        ("my ex won't leave me alone", "relationships"),
        ("RIP grandma", "grief"),
        ("my PO called", "justice"),
        ("i'm bi", "identity"),
    ],
)
def test_short_words_match_as_whole_words(text, expected, taxonomy):
    assert expected in topics(text, taxonomy)


def test_every_topic_in_a_text_is_returned_best_first(taxonomy):
    matches = classify("my husband drinks and we are behind on rent, i can't sleep", taxonomy)
    assert {"alcohol", "relationships", "housing", "sleep"} <= {m.topic for m in matches}
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_the_words_that_decided_each_topic_are_given_as_written(taxonomy):
    matches = {m.topic: m.words for m in classify("no puedo dormir desde que murió mi mamá", taxonomy)}
    assert matches["sleep"] == ("no puedo dormir",)
    assert matches["grief"] == ("murió",)


def test_a_phrase_outweighs_the_words_inside_it(taxonomy):
    matches = classify("sleeping in my car", taxonomy)
    assert [m.topic for m in matches] == ["housing"]


@pytest.mark.parametrize("text", ["", "   ", "ok", "hola", "\U0001f600", "what time is it", "?!..."])
def test_a_text_about_nothing_listed_has_no_topics(text, taxonomy):
    assert classify(text, taxonomy) == []


def test_a_locale_limits_the_words_used(taxonomy):
    assert top("no puedo dormir", taxonomy, "es") == "sleep"
    assert classify("no puedo dormir", taxonomy, "en") == []
    assert top("i can't sleep", taxonomy, "en") == "sleep"


def test_an_unknown_locale_is_refused(taxonomy):
    with pytest.raises(ValueError, match="'fr'"):
        classify("hello", taxonomy, "fr")


def test_someone_may_write_in_the_other_language(taxonomy):
    assert top("estoy drinking mucho otra vez", taxonomy) == "alcohol"
    assert top("my mom murió last week", taxonomy) == "grief"


def small(*topics_words: tuple[str, list[str]]) -> Taxonomy:
    return parse_taxonomy(
        {
            "spec": 1,
            "topics": [
                {
                    "id": topic_id,
                    "label": {"en": topic_id, "es": topic_id},
                    "related": [],
                    "menu": True,
                    "words": {"en": words, "es": ["palabra"]},
                }
                for topic_id, words in topics_words
            ],
        }
    )


def test_ties_go_to_the_topic_listed_first():
    taxonomy = small(("first", ["storm"]), ("second", ["rain"]))
    assert topics("rain and storm", taxonomy, "en") == ["first", "second"]
    assert topics("storm and rain", taxonomy, "en") == ["first", "second"]


def test_a_topic_scores_the_sum_of_its_distinct_terms():
    taxonomy = small(("weather", ["storm", "rain", "hail storm"]), ("other", ["cloud"]))
    once = classify("rain", taxonomy, "en")[0].score
    assert classify("rain rain rain", taxonomy, "en")[0].score == once
    assert classify("rain and storm", taxonomy, "en")[0].score == 2 * once
    assert classify("hail storm", taxonomy, "en")[0].score > once
    assert classify("hail storm", taxonomy, "en")[0].words == ("hail storm",)


def test_taxonomy_keeps_file_order_and_relations():
    taxonomy = small(("one", ["a1"]), ("two", ["b2"]))
    assert taxonomy.ids() == ("one", "two")
    assert taxonomy.get("two") is not None and taxonomy.get("two").words["en"] == ("b2",)
    assert taxonomy.get("three") is None
    assert taxonomy.related("one") == ()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(spec=2), "spec: expected 1"),
        (
            lambda d: d["topics"][0].update(related=["nowhere"]),
            "topic 'one': related: 'nowhere' is not a topic",
        ),
        (lambda d: d["topics"][0].update(related=["one"]), "lists itself"),
        (lambda d: d["topics"][0]["words"].pop("es"), "topic 'one': words: missing the 'es' words"),
        (lambda d: d["topics"][0].update(menu="yes"), "menu: expected true or false"),
        (lambda d: d["topics"][0].update(colour="red"), "unknown field 'colour'"),
        (lambda d: d["topics"][0]["label"].update(en="A label far too long for a menu"), "more than 20"),
        (lambda d: d["topics"][0]["words"].update(en=["ok", 12]), "12 is not a word or phrase"),
        (lambda d: d["topics"][0]["words"].update(en=["ok", "ok"]), "listed more than once: ok"),
        (lambda d: d["topics"][1].update(id="one"), "topic 'one' is defined more than once"),
        (lambda d: d["topics"][0].update(id="Bad Id"), "id: expected lower-case letters"),
    ],
)
def test_bad_taxonomy_data_is_refused_with_the_reason(change, message):
    data = {
        "spec": 1,
        "topics": [
            {
                "id": i,
                "label": {"en": i, "es": i},
                "related": [],
                "menu": True,
                "words": {"en": ["w"], "es": ["p"]},
            }
            for i in ("one", "two")
        ],
    }
    change(data)
    with pytest.raises(TaxonomyError) as raised:
        parse_taxonomy(data, "topics.yaml")
    assert message in str(raised.value)
    assert isinstance(raised.value, ValueError)


# Held-out texts: written before the classifier existed and never tuned on. Each has the topics
# a person would accept as the first answer; the line must get at least 80% of them right.
HELD_OUT = [
    ("i relapsed last night after 8 months sober, feel like garbage", {"alcohol"}),
    ("my husband wont stop drinking and im scared for the kids", {"alcohol"}),
    ("cant stop thinking about using. 40 days clean today", {"drugs"}),
    ("my son overdosed last month and i dont know how to go on", {"grief", "drugs"}),
    ("got laid off friday and rent is due next week", {"work", "housing"}),
    ("landlord says we have to be out by the 1st, nowhere to go", {"housing"}),
    ("I've been so anxious lately, my heart races and i cant breathe at work", {"anxiety"}),
    ("Feel really down, haven't left my bed in days", {"depression"}),
    ("nobody ever texts me back, spend every weekend by myself", {"loneliness"}),
    ("i keep having nightmares about the crash", {"trauma", "sleep"}),
    ("I have court on monday for my second dui", {"justice"}),
    ("my PO is threatening to violate me", {"justice"}),
    ("just got out of prison and cant find a job", {"justice", "work"}),
    ("lost a ton of money on sports bets again, wife doesnt know", {"gambling"}),
    ("i came out to my parents and they kicked me out", {"identity", "housing"}),
    ("struggling since I got back from Afghanistan", {"veterans"}),
    ("my girlfriend cheated on me and i cant eat or sleep", {"relationships"}),
    ("my mom passed away in march and i still cant accept it", {"grief"}),
    ("failing two classes and my parents are gonna kill me", {"school"}),
    ("doctor says its cancer, i dont know what to do", {"health"}),
    ("I haven't slept more than 3 hours a night in weeks", {"sleep"}),
    ("Been clean from meth for 2 yrs but the cravings are bad today", {"drugs"}),
    ("im a vet and the VA keeps denying my claim", {"veterans"}),
    ("panic attacks every morning before work", {"anxiety"}),
    ("sooo lonely since i moved here, dont know anyone", {"loneliness"}),
    ("mi esposo me dejó y no sé qué hacer", {"relationships"}),
    ("llevo tres días sin dormir", {"sleep"}),
    ("mi hijo está en la cárcel", {"justice", "family"}),
    ("me corrieron del trabajo y no tengo para la renta", {"work", "housing"}),
    ("estoy muy deprimida, lloro todos los dias", {"depression"}),
    ("tengo mucha ansiedad y no me puedo concentrar", {"anxiety"}),
    ("mi papa fallecio hace un mes", {"grief"}),
    ("volví a tomar después de 2 años sobrio", {"alcohol"}),
    ("me siento muy sola desde que mis hijos se fueron", {"loneliness"}),
    ("perdi todo el dinero de la quincena en el casino", {"gambling"}),
    ("fui abusada de niña y todavía tengo pesadillas", {"trauma"}),
    ("quiero dejar las drogas pero no puedo", {"drugs"}),
    ("me van a deportar y tengo miedo", {"justice"}),
    ("soy gay y mi familia no me acepta", {"identity"}),
    ("estoy reprobando la prepa", {"school"}),
    ("estuve en el ejército y desde que regresé no soy el mismo", {"veterans"}),
    ("tengo diabetes y no tengo seguro", {"health"}),
    ("estoy embarazada y tengo mucho miedo", {"health", "anxiety"}),
    ("cant sleep bc of my ex", {"sleep", "relationships"}),
]


def test_held_out_texts_top_topic_accuracy(taxonomy):
    right = sum(top(text, taxonomy) in acceptable for text, acceptable in HELD_OUT)
    assert right / len(HELD_OUT) >= 0.8
