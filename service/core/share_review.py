"""Story-sharing guidance: what a peer may pass on to a seeker, and private coaching tips.

A peer's text is *held* (not relayed; the peer is asked to reword it) when it carries contact
details, a full name, how a substance was used (amounts, doses, ways of use, where to get it) or
a self-harm method. Otherwise it is relayed, and the peer may get a short private tip, each kind
at most once per conversation. The rules read English and Spanish whatever the conversation's
locale, since people switch languages mid-text. They are word rules: they lean towards holding
what could endanger someone, and stay quiet on ordinary recovery talk and common idioms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise

from service.core import sms

# Hold categories, most serious first: the host tells the peer about the first one.
HOLDS = ("self_harm_method", "substance_detail", "contact", "name")
TIPS = ("long", "what_helped", "balance", "directive")
LONG_SEGMENTS = 2
BALANCE_RATIO, BALANCE_MIN_CHARS = 3, 600


@dataclass(frozen=True)
class Review:
    held: tuple[str, ...]  # categories that hold the text back (peer must reword); empty = may be relayed
    tips: tuple[str, ...]  # coaching tips to send privately to the peer; the text is still relayed


def review_share(
    text: str,
    locale: str,
    *,
    is_share: bool,
    peer_chars: int,
    seeker_chars: int,
    tips_given: frozenset[str],
) -> Review:
    """Review one peer text; peer_chars and seeker_chars count what each relayed before it."""
    del locale  # both languages' rules always apply: peers mix English and Spanish
    folded = fold(text)
    held = tuple(name for name in HOLDS if _HOLD_RULES[name](text, folded))
    if held or not folded:
        return Review(held, ())
    wanted = {
        "long": is_share and sms.count_segments(text).segments > LONG_SEGMENTS,
        "what_helped": is_share and not _HELPED.search(folded),
        "balance": _unbalanced(peer_chars + len(text), seeker_chars),
        "directive": is_directive(folded),
    }
    return Review((), tuple(tip for tip in TIPS if wanted[tip] and tip not in tips_given))


def _unbalanced(peer_total: int, seeker_chars: int) -> bool:
    return peer_total > BALANCE_RATIO * seeker_chars and peer_total > BALANCE_MIN_CHARS


# --- normalising ---------------------------------------------------------------------------

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "´": "'", "`": "'", "“": '"', "”": '"'})
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def straighten(text: str) -> str:
    """Curly quotes straight, full-width forms plain, invisible characters gone; case kept."""
    return unicodedata.normalize("NFKC", text.translate(_QUOTES).translate(_INVISIBLE))


def _plain_char(ch: str) -> str:
    return unicodedata.normalize("NFKD", ch)[:1].lower()[:1] or ch


def fold(text: str) -> str:
    """Lower case, no accents, straight quotes, single spaces; punctuation kept (it shapes numbers)."""
    return " ".join("".join(_plain_char(ch) for ch in straighten(text)).split())


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _words(*groups: str) -> str:
    """A regex alternation of whitespace-separated words or phrases ('_' stands for a space)."""
    items = [w.replace("_", r"\s+") for group in groups for w in group.split()]
    return "(?:" + "|".join(sorted(set(items), key=len, reverse=True)) + ")"


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _sentences(folded: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?;])\s+|\s+(?=¿|¡)", folded) if s]


# --- shared vocabulary (folded: lower case, no accents) ------------------------------------

# Drugs whose routes (injecting, smoking, cooking) are the dangerous detail.
_HARD = _words(
    "heroin heroina dope fentanyl fentanilo fent fetty meth methamphetamine metanfetamina crack coke "
    "cocaine cocaina chiva black_tar speedball speedballs oxy oxys oxycontin percs pills pastillas xanax "
    "tina cristal piedra perico blues m30s smack"
)
_DRUGS = _words(
    "heroin heroina dope fentanyl fentanilo fent fetty meth methamphetamine metanfetamina crystal cristal "
    "ice crank speed coke cocaine cocaina crack rock piedra blow perico coca oxy oxys oxycodone oxycontin "
    "perc percs percocet percocets vicodin norco norcos roxy roxies hydrocodone opiates opioids pills "
    "pastillas xanax xannies bars klonopin clonazepam benzos valium molly mdma ecstasy tachas acid lsd "
    "ketamine ketamina weed pot mota marijuana marihuana morphine morfina dilaudid methadone metadona "
    "suboxone kratom spice k2 lean codeine codeina adderall drugs drogas droga chiva black_tar m30s blues "
    "smack glue cemento thinner activo poppers speedball speedballs tina"
)
_ALCOHOL = _words(
    "alcohol booze liquor beer beers wine vodka whiskey whisky tequila rum gin mezcal brandy cerveza "
    "cervezas vino licor caguama caguamas chela chelas drink drinks drinking drank trago tragos bebia "
    "tomaba pisto"
)
_HARD_CONTEXT = _rx(rf"\b{_HARD}\b")
_ANY_CONTEXT = _rx(rf"\b(?:{_DRUGS}|{_ALCOHOL})\b")
_NUM_WORDS_2UP = _words(
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty hundred a_dozen dozen dozens_of "
    "dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince dieciseis "
    "diecisiete dieciocho diecinueve veinte treinta cuarenta cincuenta cien una_docena"
)
# A count of two or more: digits, a range ("10-12", "1 or 2", "10 a 12") or a number word.
_MANY = rf"(?:\d+(?:[.,]\d+)?(?:\s*(?:-|to|or|a|o|y)\s*\d+)?|{_NUM_WORDS_2UP})"
_ONE = r"(?:a|an|one|1|un|una|uno)"
_FREQUENCY = (
    r"(?:(?:a|per|every|each|a\s+single)\s+(?:day|night|morning|evening|weekend)|daily|nightly|"
    r"al\s+dia|por\s+dia|diari[oa]s?|cada\s+(?:dia|noche)|en\s+la\s+(?:manana|noche)|a\s+la\s+semana)"
)


# --- contact -------------------------------------------------------------------------------

_SEP = r"[\s.\-]?"
_PHONE = [
    # US/Canada, 10 digits with an optional country code: (555) 123-4567, 555.123.4567, +1 555 123 4567
    _rx(rf"(?<![\d])(?:\+?1{_SEP}\s?)?(?:\(\d{{3}}\)|\d{{3}}){_SEP}\s?\d{{3}}{_SEP}\d{{4}}(?!\d)"),
    # Mexico, 10 digits as 2-4-4 with an optional +52 (1): 55 1234 5678, (33) 1234-5678
    _rx(rf"(?<![\d])(?:\+?52{_SEP}(?:1{_SEP})?)?(?:\(\d{{2}}\)|\d{{2}}){_SEP}\s?\d{{4}}{_SEP}\d{{4}}(?!\d)"),
    # International with a plus: +44 20 7946 0958
    _rx(r"(?<![\w+])\+\s?\d{1,3}(?:[\s.\-()]{0,2}\d){6,14}(?!\d)"),
    # A local 7-digit number: 555-1234
    _rx(r"(?<![\d$.,])\d{3}[\s.\-]\d{4}(?![\d%])"),
    # Any run of 10-15 digits however it is spaced: 5 5 5 1 2 3 4 5 6 7, 55-12-34-56-78
    _rx(r"(?<![\w.,])\d(?:[\s.\-()]{0,3}\d){9,14}(?!\w)"),
    # A labelled number of 7 digits or more: "cel 1234567", "text me at 55 1234 56 78"
    _rx(
        r"\b(?:number|numero|cel|celular|cell|phone|tel|telefono|whatsapp|whats|"
        r"(?:text|call|reach)\s+me\s+at|llamame\s+al|marcame\s+al|escribeme\s+al)\D{0,12}\d(?:[\s.\-]?\d){6,}"
    ),
]
_DIGIT_WORD = _words(
    "zero oh one two three four five six seven eight nine",
    "cero uno dos tres cuatro cinco seis siete ocho nueve",
)
_SPELLED_PHONE = _rx(rf"\b(?:{_DIGIT_WORD}[\s,.\-]+){{6,}}{_DIGIT_WORD}\b")
_WEBMAIL = "(?:gmail|hotmail|yahoo|outlook|icloud|aol|protonmail)"
_EMAIL = [
    _rx(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"),
    _rx(
        r"\b[\w.+\-]+\s*(?:\(at\)|\[at\]|\{at\}|\bat\b|\barroba\b)\s*[\w\-]+\s*"
        r"(?:\.|\(dot\)|\[dot\]|\bdot\b|\bpunto\b)\s*(?:com|net|org|edu|mx|gov|io|co)\b"
    ),
    _rx(rf"\b[\w.+\-]+\s*(?:@|\bat\b|\barroba\b)\s*{_WEBMAIL}\b"),
    _rx(rf"\b{_WEBMAIL}\s*(?::|\bis\b|\bes\b)\s*[\w.+\-]{{3,}}"),
    _rx(r"\b(?:email|e-mail|correo)\s*(?::|\bis\b|\bes\b)\s*[\w+\-]*[\d._][\w.+\-]*"),
]
_SAFE_TLD = "com|net|org|ly|io|mx|info|gg|edu|gov|biz|xyz"
_RISKY_TLD = "me|co|us|tv|to|es|ai|in|it|be|cc|ws|fm|am|la|ca|uk|de|fr|ar|cl|pe|app|link|site|page"
_DOMAIN = r"(?<![@\w.\-])[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9\-]+)*"
_URL = [
    _rx(r"\bhttps?://\S+|\bwww\.\S+"),
    _rx(rf"{_DOMAIN}\.(?:{_SAFE_TLD})\b"),
    _rx(rf"{_DOMAIN}\.(?:{_RISKY_TLD})/\S+"),  # these endings are also words: only with a path
    _rx(r"\b[a-z0-9]{2,}\s*(?:\bdot\b|\bpunto\b)\s*(?:com|net|org|mx)\b"),
]
_PLATFORM = _words(
    "insta instagram ig snap snapchat tiktok tik_tok twitter fb facebook whatsapp whats telegram discord "
    "kik reddit venmo cashapp cash_app paypal onlyfans linkedin youtube twitch bluesky tinder hinge "
    "grindr bumble zelle"
)
_PLATFORM_LOOSE = rf"(?:{_PLATFORM}|face|messenger|signal|threads)"  # also everyday words
_HANDLE = [
    # @name, but not "@5pm"
    _rx(r"(?<![\w.@])@(?!\d{1,2}(?::\d{2})?\s*(?:am|pm)?\b)[a-z0-9_][a-z0-9_.]{1,29}"),
    _rx(rf"\b{_PLATFORM}\s*[:=]\s*@?[a-z0-9_.]{{2,}}"),
    _rx(
        rf"\b(?:my|mi)\s+{_PLATFORM}(?:\s+(?:handle|username|user|name|id|account|cuenta|usuario))?"
        r"\s*(?:\bis\b|\bes\b|:)\s*@?[a-z0-9_.]{2,}"
    ),
    _rx(
        r"\b(?:add|follow|find|dm|message|msg|hit|look|search|friend|text|call|reach|contact)\s+me\s+"
        rf"(?:up\s+)?(?:on|at|in|through|via)\s+{_PLATFORM_LOOSE}\b"
    ),
    _rx(
        r"\b(?:agregame|buscame|sigueme|escribeme|contactame|hablame|llamame|marcame|"
        rf"mandame\s+(?:un\s+)?(?:mensaje|msj|dm|inbox))\s+(?:en|por|al)\s+(?:el\s+)?{_PLATFORM_LOOSE}\b"
    ),
    _rx(rf"\b(?:on|en)\s+{_PLATFORM}\s+(?:as|como)\s+@?[a-z0-9_.]{{3,}}"),
]
_STREET_STOP = _wordset(
    """
    a an the of in on at to from for my his her our their your and or was were is are be been i we you
    he she they it years year yrs months month days day weeks week hours hour hrs hr minutes minute min
    mins seconds times time miles mile mi km blocks block steps step people beers drinks pills more
    less down up back out off over last first next this that long hard whole entire same other
    por en con durante como hace mas unos unas anos meses dias semanas horas veces que sin para
    """
)
_PARTICLES = _wordset("de del la las los el van von da di du le")
_STRONG_SUFFIX = _words("street st avenue ave road rd boulevard blvd lane ln drive dr hwy pkwy ct pl cir")
_WEAK_SUFFIX = _words("court way place terrace circle trail highway parkway")  # also everyday words
_STREET_EN = _rx(rf"\b\d{{1,6}}[a-z]?((?:\s+[a-z0-9'.\-]+){{1,3}}?)\s+({_STRONG_SUFFIX}|{_WEAK_SUFFIX})\b")
_STREET_ES_WORD = _words(
    "calle avenida av avda blvd boulevard bulevar calzada calz privada priv callejon andador prolongacion "
    "carretera camino paseo circuito cerrada"
)
_STREET_ES = _rx(
    rf"\b{_STREET_ES_WORD}\.?((?:\s+[a-z][a-z'.\-]*){{1,4}}?)\s*(?:#|no\.?|num\.?|numero)?\s*\d{{1,5}}\b"
)
_UNIT = _rx(r"\b(?:apt|apartment|suite|ste|depto|dpto|departamento|depa|interior)\.?\s*#?\s*\d+[a-z]?\b")
_ZIP_LABELLED = _rx(
    r"\b(?:zip|zip\s*code|zipcode|postal\s+code|c\.p\.|cp|codigo\s+postal)\s*:?\s*#?\s*\d{5}\b"
)
_ZIP = _rx(r"(?<![\d$.,])\d{5}(?:-\d{4})?(?![\d%])")
_ZIP_STREET = _rx(r"\b(?:street|avenue|ave|road|rd|blvd|boulevard|calle|avenida|colonia|col|apt)\b")
_ADDRESS_SAID = _rx(
    r"\b(?:my\s+address\s+is|mi\s+direccion\s+es|i\s+live\s+at\s+\d|vivo\s+en\s+(?:la\s+)?calle\s+\w+\s+\d)"
)


def _street(folded: str) -> bool:
    for rule in (_STREET_EN, _STREET_ES):
        for match in rule.finditer(folded):
            name = [word.strip(".") for word in match.group(1).split()]
            weak = rule is _STREET_EN and not re.fullmatch(_STRONG_SUFFIX, match.group(2))
            stop = _STREET_STOP | (_COMMON if weak else frozenset())
            if any(word in stop for word in name) or all(word in _PARTICLES for word in name):
                continue
            return True
    return False


def has_contact(text: str, folded: str) -> bool:
    """A phone number, email, link, social handle or street address."""
    rules = [*_PHONE, _SPELLED_PHONE, *_EMAIL, *_URL, *_HANDLE, _UNIT, _ZIP_LABELLED, _ADDRESS_SAID]
    if any(rule.search(folded) for rule in rules) or _street(folded):
        return True
    return bool(_ZIP.search(folded) and _ZIP_STREET.search(folded))


# --- names ---------------------------------------------------------------------------------

# Everyday words: capitalised at a sentence start or for emphasis, never part of a name.
_COMMON = _wordset(
    """
    a about above after again against all almost also always am an and another any anyone anything
    are around as ask at away back bad be because been before being best better between big both but
    by came can cannot come could day days did do does doing done down during each early either else
    even ever every everyone everything feel felt few find first for found from get getting give go
    going good got great had has have having he hello her here hey hi him his honestly how however i if
    in into is it its just keep kind know last later least left less let life like little long look
    lot love made make many maybe me might more most much must my myself never new next nice night no
    nobody none nor not nothing now of off often oh ok okay old on once one only or other our out over
    own part people perhaps please pretty probably put quite rather really right said same saw say see
    seemed she should since so some someone something sometimes soon still such sure take tell than
    thank thanks that the their them then there these they thing things think this those though
    through till time to today together told tomorrow tonight too took toward true try under until up
    us use used very wait want was way we well went were what whatever when where whether which while
    who whole why will with within without would yeah year years yes yesterday yet you your yours
    sorry dear welcome congrats congratulations happy merry honest real truly totally worst finally
    anyway sadly luckily thankfully hopefully eventually recently back full super
    two three four five six seven eight nine ten eleven twelve eighteen twenty second third fourth
    fifth sixth seventh eighth ninth tenth
    recovery sober sobriety program step steps meeting meetings sponsor power higher book serenity
    prayer traditions promises group home church rehab detox treatment therapy hope faith grace joy
    peace spirit holy virgin saint christmas easter thanksgiving halloween outpatient inpatient eve
    valentine valentines mass bible study school teen challenge mental social virgen espiritu santo
    mom mother dad father grandma grandpa uncle aunt brother sister son daughter wife husband
    mr mrs ms miss dr doctor pastor officer judge coach sir madam nurse detective sergeant sgt
    el la los las lo un una unos unas y o pero que de del en con por para sin sobre entre hasta desde
    yo tu usted ella nosotros ellos ellas mi mis su sus me te se nos le les este esta esto ese esa eso
    aquel hoy ayer manana ahora antes despues luego siempre nunca ya tambien tampoco cuando donde como
    porque pues bueno buenas hola gracias perdon siento claro si muy mas menos todo todos toda todas
    nada algo alguien nadie cada otro otra hace hacia soy eres es somos son estoy estaba fue fui era
    tengo tenia tuve hay habia ano anos dia dias noche semana vez veces recuerdo pense senti creo sabes
    mira oye senor padre madre mama papa abuela abuelo tio tia hermano hermana hijo hija esposa esposo
    amigo amiga primero primera entonces programa grupo padrino madrina reunion reuniones terapia poder
    superior iglesia navidad pascua sr sra srta don dona lic licenciado profe profesor uno dos tres
    cuatro cinco seis siete ocho nueve diez estados unidos
    """
)
# Never a person's name, at any position.
_NOT_NAME = _wordset(
    """
    i i'm i've i'll i'd god lord christ allah buddha dios
    monday tuesday wednesday thursday friday saturday sunday mondays tuesdays wednesdays thursdays
    fridays saturdays sundays january february march april may june july august september october
    november december sept lunes martes miercoles jueves viernes sabado domingo enero febrero marzo
    abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre
    english spanish espanol ingles american mexican mexicano mexicana latino latina
    """
)
# A run holding one of these names an institution, a place, a programme or a brand, not a person.
_INSTITUTION = _wordset(
    """
    anonymous anonimos anonimo recovery hospital center centre clinic church school university college
    street avenue road park county city state states lake river beach valley mountain mountains house
    program programme group foundation army navy corps marines force guard military institute health
    services department court jail prison rehab treatment bank company inc corp club bar grill
    restaurant cafe market mall airport station hotel motel village heights springs island islands bay
    district academy ministries ministry fellowship society association union medical memorial general
    regional behavioral detox shelter mission affairs veterans security row square centro clinica
    iglesia escuela universidad ciudad estado grupo programa fundacion calle avenida colonia anexo
    parroquia seguro instituto penal carcel reclusorio roja distrito st ave rd blvd ln lane drive
    boulevard hwy highway pkwy parkway ct pl cir sur norte oriente poniente walmart target costco
    starbucks steps traditions book prayer modelo corona tecate smirnoff bacardi hennessy fireball
    heineken budweiser coors natty patron
    charities charity fitness bell king depot foods warehouse motors express airlines insurance pharmacy
    walgreens kroger safeway amazon google uber lyft doordash netflix cowboys lakers raiders yankees
    dodgers packers patriots giants warriors chiefs steelers eagles bulls bears
    """
)
# The first word of a multi-word place: New York, San Diego, Los Angeles, El Paso, Fort Worth...
_PLACE_PREFIX = _wordset(
    "new san santa los las el la fort ft saint st mount mt lake port north south east west upper lower "
    "puerto ciudad nuevo nueva baja costa rio palm salt grand great little long"
)
# Places that sit beside another capitalised word ("Atlanta Georgia", "Houston Texas").
_PLACES = _wordset(
    """
    alabama alaska arizona arkansas california colorado connecticut delaware florida hawaii idaho
    illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota
    mississippi missouri montana nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas utah
    vermont wisconsin wyoming york jersey dakota chicago houston philadelphia denver boston seattle
    atlanta miami detroit nashville memphis baltimore milwaukee albuquerque tucson fresno sacramento
    oakland tampa orlando cleveland pittsburgh cincinnati minneapolis omaha honolulu anchorage brooklyn
    bronx manhattan harlem hollywood mexico guadalajara monterrey tijuana juarez puebla oaxaca chiapas
    jalisco sonora sinaloa chihuahua michoacan veracruz yucatan cancun acapulco toluca merida queretaro
    morelos zacatecas durango coahuila tamaulipas guatemala honduras nicaragua colombia venezuela peru
    chile argentina ecuador bolivia cuba canada america europe spain espana usa
    """
)
# First names that are also everyday words: a name part only before a capitalised surname.
_WORD_NAMES = _wordset("will mark grace hope faith joy rose bill art frank dawn ray pat sunny rich")
# In lower case, "mike johnson" is a name when the second word is a frequent surname that is not
# also an everyday word ("flores", "morales", "long" and "white" are left out).
_SURNAMES = _wordset(
    """
    smith johnson williams jones garcia miller davis rodriguez martinez hernandez lopez gonzalez gomez
    wilson anderson thomas taylor moore jackson thompson harris sanchez clark ramirez lewis robinson
    walker allen wright scott torres nguyen adams nelson baker mitchell perez roberts carter phillips
    evans turner diaz parker cruz edwards stewart morris murphy rogers gutierrez ortiz cooper peterson
    bailey kelly howard richardson watson brooks chavez bennett mendoza ruiz hughes alvarez castillo
    sanders patel myers foster jimenez powell jenkins perry russell sullivan henderson coleman simmons
    patterson reynolds hamilton graham gonzales alexander wallace griffin hayes butler vasquez vazquez
    romero herrera medina aguilar vargas castro fernandez guzman munoz salazar dominguez espinoza soto
    contreras guerrero estrada navarro sandoval silva ortega nunez mejia cervantes cardenas velasquez
    valdez padilla acosta figueroa juarez trejo zamora ibarra villanueva reyes
    """
)
# Words a lowercase first name never is ("drinking garcia", "told lopez", "familia perez").
_NOT_FIRST = _rx(
    r"\w{3,}ing|called|texted|asked|told|met|saw|named|thanked|visited|emailed|helped|like|than|then|also|"
    r"avenida|calle|colonia|col|senor|senora|dra|doctora|familia|casa|dijo|conoci|llame|whose|via|"
    r"enfermera|enfermero|maestro|maestra|teacher|professor|agent|hospital|benito"
)
_BRANDS = _rx(
    r"\b(?:jack\s+daniel'?s?|jim\s+beam|johnnie\s+walker|captain\s+morgan|grey\s+goose|jose\s+cuervo|"
    r"don\s+julio|bud\s+light|coors\s+light|miller\s+lite|miller\s+high\s+life|natural\s+light|"
    r"four\s+loko|mad\s+dog|old\s+english|black\s+label|steel\s+reserve|red\s+bull|big\s+book|"
    r"higher\s+power|poder\s+superior|jesus\s+christ|virgen\s+de\s+guadalupe|al-?anon|nar-?anon|"
    r"alateen|martin\s+luther\s+king)\b"
)
_TOKEN = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*")
_BREAK = re.compile(r"[.!?:;\"()\[\]…¿¡–—|]|\s-\s|\n")
_NAME_SAID = _rx(
    r"\b(?:(?:my|his|her|their|sponsor'?s?|full)\s+name(?:'s|\s+is|\s+was)|name's|"
    r"(?:me|se|te)\s+llam(?:o|a|aba)|(?:mi|su)\s+nombre\s+(?:completo\s+)?(?:es|era))\s+"
    r"([a-z][a-z'\-]+)((?:\s+(?:de|del|la|las|los|van|von|da|di))*)\s+([a-z][a-z'\-]+)"
)


_NEVER_SURNAME = _COMMON | _NOT_NAME | _PLACES | _PARTICLES
_NEVER_SAID_NAME = _COMMON | _NOT_NAME | _PARTICLES | _INSTITUTION
_NEVER_FIRST_NAME = _NEVER_SAID_NAME | _PLACES | _PLACE_PREFIX


@dataclass(frozen=True)
class _Token:
    plain: str  # folded
    capitalised: bool
    sentence_start: bool
    joined: bool  # only spaces between this token and the one before, in the same sentence


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    last_end = 0
    for match in _TOKEN.finditer(text):
        word, gap = match.group(), text[last_end : match.start()]
        last_end = match.end()
        start = not out or bool(_BREAK.search(gap))
        capitalised = word[0].isupper() and any(ch.islower() for ch in word)
        plain = re.sub(r"'s?$", "", fold(word))  # Year's Eve, Mary's: the word without its possessive
        out.append(_Token(plain, capitalised, start, bool(out) and not start and gap.isspace()))
    return out


def _name_runs(tokens: list[_Token]) -> Iterator[list[_Token]]:
    """Runs of capitalised words written next to each other, particles (de, la…) included."""
    run: list[_Token] = []
    for token in tokens:
        if run and token.joined and (token.capitalised or token.plain in _PARTICLES):
            run.append(token)
            continue
        if run:
            yield run
        run = [token] if token.capitalised else []
    if run:
        yield run


def _is_person(run: list[_Token]) -> bool:
    if any(t.plain in _INSTITUTION for t in run) or run[0].plain in _PLACE_PREFIX:
        return False
    count = 0
    for i, token in enumerate(run):
        nxt = run[i + 1] if i + 1 < len(run) else None
        surname_next = nxt is not None and nxt.capitalised and nxt.plain not in _NEVER_SURNAME
        if count and token.plain in _PARTICLES:
            continue  # Juan de la Cruz: glue, not a name part
        blocked = (
            token.plain in _NOT_NAME
            or token.plain in _PLACES
            or token.plain in _PARTICLES
            or (token.plain in _COMMON and not (token.plain in _WORD_NAMES and surname_next))
            or (token.plain in _PLACE_PREFIX and surname_next)
            or (token.sentence_start and token.plain.endswith(("ing", "mente")))
        )
        count = 0 if blocked else count + 1
        if count >= 2:
            return True
    return False


def has_full_name(text: str, folded: str) -> bool:
    """A first and last name: said outright ("my name is…", "me llamo…") or written as one."""
    plain = _BRANDS.sub(" | ", folded)
    for match in _NAME_SAID.finditer(plain):
        first, last = match.group(1), match.group(3)
        if not {first, last} & _NEVER_SAID_NAME:
            return True
    words = [w.strip('.,!?;:"()') for w in plain.split()]
    for first, last in pairwise(words):
        if (
            last in _SURNAMES
            and first.isalpha()
            and len(first) > 1
            and first not in _NEVER_FIRST_NAME
            and not _NOT_FIRST.fullmatch(first)
        ):
            return True
    source = straighten(text)
    folded_chars = "".join(_plain_char(ch) for ch in source)  # same length as source
    for match in _BRANDS.finditer(folded_chars):
        source = source[: match.start()] + "|" * (match.end() - match.start()) + source[match.end() :]
    tokens = _tokens(source)
    longer = [t for t in tokens if len(t.plain) > 2]
    title_case = len(longer) >= 5 and sum(t.capitalised for t in longer) > 0.6 * len(longer)
    if not longer or title_case or source.isupper():
        return False  # Title Case Or ALL CAPS everywhere: the capitals say nothing
    return any(_is_person(run) for run in _name_runs(tokens))


# --- substance detail ----------------------------------------------------------------------

_DOSE_UNIT = _words(
    "mg mgs milligram milligrams miligramo miligramos mcg microgram micrograms ug μg g gr grs gram grams "
    "gramo gramos"
)
_LIQUID_UNIT = _words("oz ounce ounces onza onzas ml mls milliliter milliliters mililitro mililitros cc")
_WORD_DOSE_UNIT = _words("gram grams gramo gramos ounce ounces onza onzas eight_ball 8_ball 8-ball eightball")
_SURE_UNIT = _words(
    "beer beers drink drinks fifth fifths handle handles tallboy tallboys tall_boys forties 40s 40oz "
    "six_pack six-pack sixpack six_packs 12_pack 12-pack 12_packs 18_pack 24_pack 30_rack 30-rack "
    "cervezas chelas caguamas copas tragos caballitos bottles botellas pints "
    "pills tablets pastillas percs percocets oxys norcos vicodins roxies xanax xannies tachas grams gramos"
)
_AMBIGUOUS_UNIT = _words(
    "bars lines bumps hits bags bundles points caps shots cans cases glasses liters litres litros latas "
    "rayas pases bolsas grapas joints blunts porros toques cubas tequilas vodkas whiskeys tabs subs"
)
_BIG_CONTAINER = _words(
    "fifth handle bottle case six_pack six-pack sixpack 12_pack 12-pack 18_pack 24_pack 30_rack 30-rack "
    "liter litre botella litro caguama bundle gram gramo eight_ball pint forty"
)
_LIQUOR = rf"(?:{_ALCOHOL}|jack|jim|crown|hennessy|henny|fireball|smirnoff|titos)"
_SUBSTANCE_AMOUNT = [
    _rx(rf"(?<![\w.])\d+(?:[.,]\d+)?(?:\s*(?:-|to)\s*\d+)?\s*{_DOSE_UNIT}\b"),
    _rx(rf"\b(?:{_ONE}|half(?:\s+an?)?|a\s+half|medio|media|{_MANY})\s+{_WORD_DOSE_UNIT}\b"),
    _rx(rf"(?<![\w.])(?:{_MANY})\s+(?:\w+\s+)?{_SURE_UNIT}\b"),
    _rx(rf"\b{_ONE}\s+(?:whole\s+|entire\s+|full\s+)?{_BIG_CONTAINER}\b(?:\s+[\w']+){{0,3}}?\s+{_FREQUENCY}"),
    _rx(rf"\b(?:a|one|un|una)\s+(?:fifth|handle|eighth)\s+(?:of|de)\s+(?:\w+\s+)?{_LIQUOR}\b"),
    # "drinking 12 a day", "me tomaba 10 al dia": a count per day without the unit
    _rx(
        r"\b(?:drank|drink|drinking|took|taking|popped|popping|used|using|smoked|smoking|shot|doing|did|"
        r"tomaba|bebia|me\s+tomaba|consumia|fumaba|me\s+metia)\s+(?:like\s+|about\s+|around\s+|up\s+to\s+|"
        rf"como\s+|unos?\s+|unas\s+|hasta\s+)?\d+\s+{_FREQUENCY}"
    ),
]
_AMOUNT_IN_CONTEXT = [
    _rx(rf"(?<![\w.])(?:{_MANY})\s+(?:\w+\s+)?{_AMBIGUOUS_UNIT}\b"),
    _rx(rf"(?<![\w.])\d+(?:[.,]\d+)?\s*{_LIQUID_UNIT}\b"),
    _rx(rf"\$\s?\d[\d,]*\s+(?:\w+\s+)?{_FREQUENCY}|\b\d[\d,]*\s+(?:dollars|dolares|pesos)\s+{_FREQUENCY}"),
]
_GET = (
    r"(?:get|got|buy|bought|score|scored|cop|copped|find|found|purchase|order|ordered|pick\s+up|picked\s+up)"
)
_METHOD = [
    # injecting
    _rx(r"\bshoot(?:ing|s)?\s+up\b|\bshot\s+up\b"),
    _rx(rf"\bshoot(?:ing|s)?\s+{_HARD}\b|\bshot\s+{_HARD}\b|\bslamm(?:ing|ed)\s+(?:{_HARD}|it)\b"),
    _rx(rf"\binject(?:ed|ing|s)?\s+(?:myself|{_HARD})\b|\biv\s+(?:drug\s+)?use\b"),
    _rx(
        r"\b(?:shar(?:ed|ing)|dirty)\s+needles?\b|\bneedle\s+in\s+my\s+arm\b|\b(?:find|hit|missed)\s+a\s+vein\b"
    ),
    _rx(r"\bme\s+inyect(?:aba|e|o)\b|\binyect(?:aba|abamos|arme|andome)\b"),
    # snorting, sniffing, inhaling
    _rx(r"\bsnort(?:ed|ing|s)?\b|\b(?:did|doing|do)\s+lines\b|\brail(?:ed|ing|s)?\s+(?:a\s+line|lines)\b"),
    _rx(rf"\blines?\s+of\s+{_DRUGS}\b|\bbumps?\s+of\s+{_DRUGS}\b|\brayas?\s+de\s+{_DRUGS}\b"),
    _rx(r"\bsniff(?:ed|ing)?\s+(?:glue|paint|gas|lines|coke|poppers|cemento|thinner)\b"),
    _rx(r"\bhuff(?:ed|ing)?\s+(?:paint|glue|gas|air\s+duster|duster|whippets|nitrous)\b"),
    _rx(r"\besnif\w*|\binhalaba\w*|\bmetia\s+(?:rayas|coca|perico|pases|lineas)\b"),
    _rx(rf"\binhal\w*\s+{_DRUGS}\b|\baspiraba\s+(?:coca|cocaina|perico|thinner|cemento|activo|pegamento)\b"),
    # smoking hard drugs, "smoking it"
    _rx(
        r"\bsmok(?:e|ed|es|ing)\s+(?:it|crack|meth|ice|rock|rocks|heroin|dope|fent\w*|foil|off\s+foil|"
        r"black\s+tar|tar|pills|oxy|blues|m30s|shards)\b"
    ),
    _rx(r"\bon\s+foil\b|\bchas(?:e|ed|ing)\s+the\s+dragon\b|\bfreebas\w*|\b(?:crack|meth|glass)\s+pipe\b"),
    _rx(
        r"\bfum(?:aba|e|o|ar)\s+(?:piedra|cristal|crack|heroina|chiva|fentanilo|pastillas|hielo|en\s+foco)\b"
    ),
    # preparing
    _rx(
        r"\bcrush(?:ed|ing)?\s+(?:up\s+)?(?:the|my|those|his|her)\s+(?:pills|tablets|oxys?|percs?|xanax|adderall)\b"
    ),
    _rx(rf"\bcook(?:ed|ing|s)?\s+(?:up\s+)?(?:the\s+|my\s+)?{_HARD}\b|\bcocin(?:aba|ar|e|o)\s+{_HARD}\b"),
    _rx(r"\bcook\w*\s+(?:[\w']+\s+){0,3}?(?:in|on)\s+(?:a|the|my)\s+spoon\b"),
    _rx(r"\b(?:machac|mol)\w*\s+(?:las\s+|mis\s+)?pastillas\b|\bboof\w*|\bhot\s+rail\w*|\bspeedballs?\b"),
    # getting it
    _rx(
        rf"\b(?:how|where)\s+(?:to|i|you|we|u|he|she|they)\s+(?:used\s+to\s+)?{_GET}\s+"
        rf"(?:(?:more|some|the|my|your|cheap|good|real|pure)\s+){{0,2}}(?:{_DRUGS}|my\s+fix|my\s+stuff|a\s+fix)\b"
    ),
    _rx(r"\bdealer'?s?\s+(?:number|address|is\s+on|lives)\b|\bdark\s*(?:web|net)\b"),
    _rx(
        r"\b(?:como|donde)\s+(?:conseguir|conseguia|consegui|comprar|compraba|compre|se\s+consigue|"
        rf"se\s+compra|venden|vendian)\s+(?:(?:la|el|las|los|mas|mi|mis|buena)\s+){{0,2}}{_DRUGS}\b"
    ),
]
# A pronoun or tool that stands for a drug named elsewhere in the text: "where I bought it".
_METHOD_WITH_DRUG = [
    _rx(
        rf"\b(?:how|where)\s+(?:to|i|you|we|u)\s+(?:used\s+to\s+)?{_GET}\s+(?:it|them)\b"
        r"(?!\s+(?:together|back|right|done|over|through|out|off))"
    ),
    _rx(r"\b(?:como|donde)\s+(?:la|lo|las|los)\s+(?:conseguia|consegui|compraba|compre|conseguiamos)\b"),
]
_METHOD_WITH_HARD_DRUG = [
    _rx(r"\bcrush(?:ed|ing)?\s+(?:them|it)\s+(?:up|and|to|into)\b|\bcook(?:ed|ing)\s+(?:it|them)\b"),
    _rx(r"\b(?:needles?|syringes?|spoon|tourniquet|jeringas?|agujas?|un\s+foco|el\s+foco|la\s+pipa)\b"),
    _rx(r"\b(?:shoot(?:ing)?|inject(?:ed|ing)?|us(?:ed|ing))\s+(?:it|them)\b(?!\s+(?:down|off|as|to))"),
]


def has_substance_detail(text: str, folded: str) -> bool:
    """Doses, amounts or ways of use, and how or where to get a substance."""
    if any(rule.search(folded) for rule in (*_SUBSTANCE_AMOUNT, *_METHOD)):
        return True
    if _ANY_CONTEXT.search(folded) and any(
        r.search(folded) for r in (*_AMOUNT_IN_CONTEXT, *_METHOD_WITH_DRUG)
    ):
        return True
    return bool(_HARD_CONTEXT.search(folded) and any(rule.search(folded) for rule in _METHOD_WITH_HARD_DRUG))


# --- self-harm method ----------------------------------------------------------------------

_BODY = r"(?:wrists?|arms?|legs?|thighs?|skin|stomach|hips?|ankles?)"
_INSTRUMENT = (
    r"(?:razors?|razor\s+blades?|blades?|box\s*cutters?|knife|knives|glass|scissors|shards?|lighter|"
    r"a\s+cigarette)"
)
_PILLS = (
    r"(?:pills|meds|medications?|medicines?|tablets|tylenol|advil|aspirin|ibuprofen|benadryl|"
    r"painkillers|antidepressants|prescriptions?|(?:sleeping|pain|my|her|his)\s+pills)"
)
_SELF_HARM_METHOD = [
    # cutting with something, or cutting a named part of the body
    _rx(rf"\bcut(?:ting|s)?\s+(?:myself|my\s+{_BODY})(?:\s+[\w']+){{0,4}}?\s+(?:with|using)\b"),
    _rx(rf"\b(?:cut|cutting|slit|slitting|slice|slicing|sliced)\s+(?:open\s+)?my\s+{_BODY}\b"),
    _rx(
        rf"\b(?:hurt|hurting|burn|burned|burning|burnt)\s+myself\s+with\s+(?:a\s+|an\s+|my\s+|the\s+)?{_INSTRUMENT}"
    ),
    _rx(
        r"\b(?:me\s+cort(?:aba|e)|cortarme|cortandome)\s+(?:con|las\s+(?:venas|munecas|piernas)|los\s+brazos)\b"
    ),
    _rx(r"\b(?:me\s+quem(?:aba|e)|quemarme)\s+con\b"),
    # pills in quantity, an overdose with an amount
    _rx(
        r"\b(?:took|take|taking|swallowed|swallow|downed|ate|popped)\s+(?:like\s+)?(?:a\s+handful\s+of|handfuls\s+of|"
        r"a\s+(?:whole\s+|full\s+)?bottle\s+of|the\s+(?:whole|entire)\s+bottle\s+of|all\s+(?:of\s+)?(?:my|the|his|her))"
        rf"\s+(?:\w+\s+)?{_PILLS}"
    ),
    _rx(
        rf"\b(?:overdos(?:e|ed|ing)|od'?d)\s+(?:on|with)\s+(?:like\s+|about\s+|around\s+)?(?:{_MANY}|a\s+handful|"
        r"a\s+(?:whole\s+)?bottle|\d+)"
    ),
    _rx(
        r"\b(?:me\s+)?(?:tome|trague|tomaba)\s+(?:un\s+frasco|un\s+bote|toda\s+la\s+caja|todo\s+el\s+frasco|"
        r"todas\s+(?:mis|las)\s+pastillas|un\s+punado|un\s+monton\s+de\s+pastillas)\b"
    ),
    _rx(rf"\bsobredosis\s+(?:de|con)\s+(?:{_MANY}|un\s+frasco|\d+)"),
    # hanging
    _rx(r"\b(?:hang|hanged|hanging|hung)\s+(?:myself|himself|herself|themselves)\b|\bnoose\b"),
    _rx(
        r"\brope\s+(?:around|round)\s+my\s+neck\b|\btried\s+(?:to\s+)?hang(?:ing)?\b(?!\s+(?:out|on|in|around))"
    ),
    _rx(
        r"\bahorc(?:arme|arse|ado|ada|o|aba|ar|andome)\b|\bme\s+ahorque\b|\bsoga\s+(?:al|en\s+el)\s+cuello\b"
    ),
    # jumping, traffic, trains
    _rx(
        r"\bjump(?:ed|ing|s)?\s+(?:off|from|in\s+front\s+of)\s+(?:a|an|the|my|that)?\s*(?:[\w']+\s+){0,2}?"
        r"(?:bridge|building|roof|rooftop|balcony|overpass|cliff|window|ledge|tower|parking\s+(?:garage|structure)|"
        r"train|bus|truck|traffic|freeway)\b"
    ),
    _rx(
        r"\b(?:step(?:ped)?|walk(?:ed)?)\s+(?:out\s+)?in\s+front\s+of\s+(?:a|the)\s+(?:train|bus|truck|traffic)\b"
    ),
    _rx(r"\b(?:lay|lie|lying)\s+(?:down\s+)?on\s+the\s+(?:tracks|train\s+tracks|freeway)\b"),
    _rx(
        r"\b(?:tirarme|aventarme|lanzarme|arrojarme|me\s+tire|me\s+avente|me\s+lance)\s+"
        r"(?:de|desde|por|al|a|del|frente\s+al?)\s+(?:un|una|el|la|mi)?\s*(?:\w+\s+)?"
        r"(?:puente|edificio|azotea|techo|balcon|ventana|barranco|precipicio|metro|tren|vias|camion|carro|coche)\b"
    ),
    # guns
    _rx(r"\b(?:gun|pistol|shotgun|rifle|revolver)\s+(?:to|in|against)\s+my\s+(?:head|mouth|temple|chest)\b"),
    _rx(r"\b(?:shoot(?:ing)?|shot)\s+myself\b(?!\s+in\s+the\s+foot)"),
    _rx(
        r"\bdispararme\b|\bme\s+dispare\b|\bpegarme\s+un\s+(?:tiro|balazo)\b|\bpistola\s+en\s+(?:la|mi)\s+(?:cabeza|boca|sien)\b"
    ),
    # other ways
    _rx(
        r"\bcarbon\s+monoxide\b|\b(?:car|engine)\s+running\s+in\s+the\s+garage\b|\bdrown(?:ing|ed)?\s+myself\b"
    ),
    _rx(
        r"\bpoison(?:ed|ing)?\s+myself\b|\bdr[ai]nk\s+bleach\b|\bahogarme\b|\benvenenarme\b|\bveneno\s+para\s+ratas\b"
    ),
]
# Suicide or self-harm talked about in a sentence...
_SELF_HARM_TALK = _rx(
    r"\b(?:suicid\w*|kill(?:ing)?\s+myself|end(?:ing)?\s+(?:my\s+life|it\s+all)|to\s+end\s+it\b(?!\s+with)|take\s+my\s+(?:own\s+)?life|"
    r"took\s+my\s+(?:own\s+)?life|(?:want(?:ed)?|tried|trying)\s+to\s+die|self[\s-]?harm\w*|hurt(?:ing)?\s+myself|"
    r"matarme|quitarme\s+la\s+vida|morirme|queria\s+morir|acabar\s+con\s+(?:todo|mi\s+vida)|hacerme\s+dano|"
    r"lastimarme|autolesion\w*)"
)
# ...and in the same sentence, a word that names how.
_METHOD_WORD = _rx(
    rf"\b(?:{_INSTRUMENT}|navajas?|cuchillas?|cutter|vidrios?|bleach|cloro|veneno|poison|rope|cuerda|soga|"
    r"colgarme|me\s+colgue|hanging|bridge|puente|gun|pistola|pull(?:ed)?\s+the\s+trigger|train|tren|jump\w*|"
    rf"tirarme|(?:with|using|took|swallow\w*|taking|con|tome|tomar|tomarme)\s+(?:a\s+|some\s+|my\s+|the\s+|unas\s+|"
    rf"mis\s+|las\s+|muchas\s+)?(?:{_MANY}\s+)?(?:{_PILLS}|pastillas)|{_MANY}\s+(?:{_PILLS}|pastillas))\b"
    r"(?!\s+(?:out|on|around|in\s+there))"
)


def has_self_harm_method(text: str, folded: str) -> bool:
    """How someone harmed themselves or tried to end their life, beyond saying that they did."""
    if any(rule.search(folded) for rule in _SELF_HARM_METHOD):
        return True
    return any(_SELF_HARM_TALK.search(s) and _METHOD_WORD.search(s) for s in _sentences(folded))


_HOLD_RULES: dict[str, Callable[[str, str], bool]] = {
    "contact": has_contact,
    "name": has_full_name,
    "substance_detail": has_substance_detail,
    "self_harm_method": has_self_harm_method,
}


# --- coaching ------------------------------------------------------------------------------

_HELPED = _rx(
    r"\b(?:help|helped|helping|helps|helpful|what\s+worked|worked\s+for\s+me|works\s+for\s+me|"
    r"(?:got|get|gets|getting)\s+me\s+through|support\w*|meetings?|sponsor\w*|therap\w*|counsel\w*|"
    r"group|program|rehab|treatment|detox|church|faith|god|higher\s+power|pray\w*|aa|na|12\s+steps?|"
    r"twelve\s+steps?|the\s+steps|big\s+book|one\s+day\s+at\s+a\s+time|made\s+a\s+difference|"
    r"turning\s+point|saved\s+(?:me|my\s+life)|kept\s+me|keeps\s+me|reach(?:ed)?\s+out|lean(?:ed)?\s+on|"
    r"opened\s+up|started\s+going|outpatient|medication|meds|suboxone|methadone|vivitrol|doctor|"
    r"recovery\s+coach|exercise|running|journal\w*|"
    r"ayud\w*|me\s+sirvio|me\s+sirve|lo\s+que\s+(?:me\s+)?(?:sirvio|funciono)|funciono|me\s+funciona|"
    r"apoy\w*|reunion\w*|padrino|madrina|terapi\w*|terapeuta|grupo|programa|anexo|iglesia|fe|dios|"
    r"poder\s+superior|oracion|rezar|rezaba|consejer\w*|me\s+saco\s+adelante|salir\s+adelante|"
    r"me\s+rescato|me\s+salvo|un\s+dia\s+a\s+la\s+vez|doble\s+a|los\s+pasos|tratamiento|medicamento)\b"
)
# An order starts a sentence or clause: "Go to a meeting", "Please, just stop". After "and" or a
# pronoun it is the peer's own story ("I went to rehab and quit drinking", "I just go to meetings").
_START = r"(?:^|[.!?,;:]\s*)(?:(?:please|just|so|now|honestly)\s*,?\s+)*"
_DIRECTIVE = [
    _rx(
        r"\byou\s+(?:should|shouldn'?t|need\s+to|needa|have\s+to|must|mustn'?t|gotta|got\s+to|"
        r"ought\s+to|'?d\s+better|better)(?!\w)"
    ),
    _rx(r"\byou'(?:ve\s+got\s+to|ve\s+gotta|d\s+better)\b|\bu\s+(?:should|need\s+to|have\s+to|gotta)\b"),
    _rx(
        r"\b(?:if\s+i\s+were\s+you|my\s+advice\s+(?:is|would\s+be)|i\s+(?:suggest|recommend)\s+(?:that\s+)?you)\b"
    ),
    _rx(
        rf"{_START}just\s+(?:stop|quit|don'?t|say\s+no|walk\s+away|go|get|call|pour|throw|put\s+(?:it|the)|do\s+it)\b"
    ),
    _rx(rf"{_START}make\s+sure\s+(?:you|to)\b"),
    _rx(
        rf"{_START}(?:stop|quit)\s+(?:drinking|using|doing|smoking|taking|hanging|seeing|calling|texting|it|now)\b"
    ),
    _rx(
        rf"{_START}(?:go|get)\s+(?:to\s+)?(?:a\s+|an\s+|the\s+|some\s+|your\s+)?(?:meetings?|aa|na|rehab|detox|"
        r"therapy|therapist|counseling|church|treatment|doctor|sponsor|help|sober|clean|rid\s+of)\b"
    ),
    _rx(rf"{_START}(?:call|text)\s+(?:your|a)\s+(?:sponsor|therapist|doctor|counselor)\b"),
    _rx(
        rf"{_START}(?:find|try|join)\s+(?:a\s+|an\s+|some\s+)?(?:meetings?|sponsor|group|therapist|aa|na|rehab)\b"
    ),
    _rx(rf"{_START}(?:pour|throw)\s+(?:it|them|out|away|the|that)\b"),
    _rx(
        rf"{_START}(?:avoid|stay\s+away\s+from|delete|cut\s+off)\s+(?:your|those|that|the|them|him|her|people)\b"
    ),
    _rx(
        rf"{_START}(?:don'?t|do\s+not|never)\s+(?:drink|use|pick\s+up|go\s+back|relapse|touch|take\s+another|"
        r"call\s+your\s+dealer|hang\s+out)\b"
    ),
    # Spanish
    _rx(r"\b(?:deberias|debes|tienes\s+que|tendrias\s+que|necesitas)\b"),
    _rx(r"\b(?:te\s+recomiendo|te\s+aconsejo|mi\s+consejo\s+es|lo\s+que\s+tienes\s+que\s+hacer)\b"),
    _rx(
        r"(?:^|[.!?,;:]\s*)(?:(?:solo|simplemente|por\s+favor|ya)\s*,?\s+)*(?:deja\s+de|ve\s+a|ve\s+al|vete\s+a|"
        r"busca(?:te)?|consigue(?:te)?|llama\s+a\s+tu|alejate\s+de|evita|tira|intenta|prueba|haz|no\s+(?:tomes|"
        r"bebas|consumas|uses|vuelvas|te\s+juntes|recaigas))\b"
    ),
]
# Reassurance and invitations with the same words: "you don't have to do this alone", "if you
# need to talk", "what you should do is up to you", "you must be tired", "no tienes que…".
_NOT_DIRECTIVE = [
    _rx(r"\b(?:don'?t|do\s+not|never|no\s+one\s+can\s+say)\s+(?:you\s+)?(?:have|need|should|must)\b"),
    _rx(
        r"\b(?:if|when|whenever|whatever|anything|what|whether|do|does|did|would|could|nobody|no\s+one)\s+"
        r"(?:\w+\s+)?(?:you|u)\s+(?:ever\s+)?(?:should|need|have|must|gotta)\b"
    ),
    _rx(
        r"\byou\s+(?:must|should|shouldn'?t|have\s+to|gotta|need\s+to)\s+(?:be|feel|have\s+been|know|hear|blame)\b"
    ),
    _rx(r"\bno\s+(?:tienes|tendrias|necesitas|debes|deberias)\b"),
    _rx(r"\b(?:si|cuando|lo\s+que|todo\s+lo\s+que)\s+(?:necesitas|necesites|tienes\s+que|debes|quieras)\b"),
    _rx(r"\bdebes\s+de\s+(?:estar|sentir|ser|haber)\b|\bdebes\s+(?:estar|sentirte)\s+\w+\b"),
]
_QUESTION = _rx(r"^\s*(?:¿|\w+\s+)?(?:necesitas|tienes\s+que|do\s+you|did\s+you|have\s+you)\b.*\?\s*$")


def is_directive(folded: str) -> bool:
    """Tells the seeker what to do, rather than sharing what worked for the peer."""
    for sentence in _sentences(folded):
        if _QUESTION.search(sentence):
            continue  # "¿necesitas hablar?" asks; it does not tell
        for rule in _NOT_DIRECTIVE:
            sentence = rule.sub(" ~ ", sentence)
        if any(rule.search(sentence) for rule in _DIRECTIVE):
            return True
    return False


# --- masking -------------------------------------------------------------------------------

# What must never cross from one party to the other even when a text cannot be held back (crisis
# words go through at once, so the other side can help): numbers of 7+ digits, emails, links.
_MASKED = re.compile(
    r"\+?\d(?:[\s().\-]*\d){6,}"
    r"|[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"
    r"|(?:https?://|www\.)\S+"
    r"|\b[\w\-]+\.(?:com|org|net|ly|io|me|co|us|app|gg|tv|mx)(?:/\S*)?",
    re.IGNORECASE,
)
MASK = "[hidden]"


def mask_contact(text: str) -> str:
    """The text with phone numbers, emails and links replaced by [hidden]."""
    return _MASKED.sub(MASK, text)
