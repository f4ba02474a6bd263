"""Crisis detection: catch intent however it is phrased, stay quiet on idiom, tech, games and the past."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.domain import Category, CrisisSignal, Severity
from bot.safety.crisis import detect_crisis
from bot.safety.normalize import normalize

SELF = Category.SELF_HARM_RISK
OTHERS = Category.VIOLENCE_RISK
LOW, MEDIUM, HIGH = Severity.LOW, Severity.MEDIUM, Severity.HIGH


def crisis(text: str) -> CrisisSignal | None:
    return detect_crisis(normalize(text))


@pytest.mark.parametrize(
    ("text", "category", "severity"),
    [
        # English: imminent (a plan, a time, means, a note, a goodbye, a decision)
        ("I've decided I'm going to kill myself tonight", SELF, HIGH),
        ("I already wrote the note", SELF, HIGH),
        ("I have the pills ready", SELF, HIGH),
        ("I've been saving up my sleeping pills", SELF, HIGH),
        ("I'm going to jump off the bridge after work today", SELF, HIGH),
        ("what's the most painless way to die", SELF, HIGH),
        ("how many tylenol does it take to die", SELF, HIGH),
        ("I took a whole bottle of pills", SELF, HIGH),
        ("I have a plan to end my life", SELF, HIGH),
        ("this is my goodbye. I want to die", SELF, HIGH),
        ("I tried to kill myself last night", SELF, HIGH),
        # English: ideation, direct and indirect
        ("I want to die", SELF, MEDIUM),
        ("i really just want to die", SELF, MEDIUM),
        ("sometimes I want to end it all", SELF, MEDIUM),
        ("end it all", SELF, MEDIUM),
        ("I've been giving my things away", SELF, MEDIUM),
        ("I won't be around much longer", SELF, MEDIUM),
        ("everyone would be better off without me", SELF, MEDIUM),
        ("I don't want to live anymore", SELF, MEDIUM),
        ("I'm so tired of living", SELF, MEDIUM),
        ("I wish I was never born", SELF, MEDIUM),
        ("nobody would even notice if I disappeared", SELF, MEDIUM),
        ("I've been thinking about suicide a lot", SELF, MEDIUM),
        ("I feel suicidal", SELF, MEDIUM),
        ("I cut myself again", SELF, MEDIUM),
        ("there's no reason to keep living", SELF, MEDIUM),
        ("should I just kill myself", SELF, MEDIUM),
        # obfuscated
        ("i wanna k1ll mys3lf", SELF, MEDIUM),
        ("i w a n t t o d i e", SELF, MEDIUM),
        ("I want to diiiiie", SELF, MEDIUM),
        ("i wanna kms", SELF, MEDIUM),
        # Spanish
        ("me quiero morir", SELF, MEDIUM),
        ("ya no quiero vivir", SELF, MEDIUM),
        ("quiero suicidarme esta noche", SELF, HIGH),
        ("ya escribí mi carta de despedida", SELF, HIGH),
        ("estarían mejor sin mí", SELF, MEDIUM),
        # Portuguese
        ("quero me matar", SELF, MEDIUM),
        ("vou me matar hoje à noite", SELF, HIGH),
        ("não quero mais viver", SELF, MEDIUM),
        ("escrevi minha carta de despedida", SELF, HIGH),
        # French
        ("je veux mourir", SELF, MEDIUM),
        ("je vais me tuer ce soir", SELF, HIGH),
        ("j'ai envie d'en finir", SELF, MEDIUM),
        ("ils seraient mieux sans moi", SELF, MEDIUM),
        ("j'ai déjà écrit ma lettre d'adieu", SELF, HIGH),
        # German
        ("ich will mich umbringen", SELF, MEDIUM),
        ("ich will nicht mehr leben", SELF, MEDIUM),
        ("ich bringe mich heute Nacht um", SELF, HIGH),
        ("alle wären ohne mich besser dran", SELF, MEDIUM),
        ("ich habe schon einen Abschiedsbrief geschrieben", SELF, HIGH),
        # harm to others
        ("I'm going to shoot up my school tomorrow", OTHERS, HIGH),
        ("I'll kill him when he gets home", OTHERS, HIGH),
        ("I'm going to stab my stepdad tonight, the knife is ready", OTHERS, HIGH),
        ("I'm bringing my dad's gun to school on Monday", OTHERS, HIGH),
        ("I want to kill my boss", OTHERS, MEDIUM),
        ("voy a matar a mi jefe mañana", OTHERS, HIGH),
        ("vou matar ele amanhã", OTHERS, HIGH),
        ("je vais le tuer demain", OTHERS, HIGH),
        ("ich bringe ihn heute um", OTHERS, HIGH),
    ],
)
def test_crisis_is_caught_with_its_urgency(text: str, category: Category, severity: Severity) -> None:
    found = crisis(text)
    assert found is not None, text
    assert found.category is category
    assert found.severity == severity


@pytest.mark.parametrize(
    "text",
    [
        # recovered, told as history
        "I tried to kill myself years ago, now I'm doing well",
        "I attempted suicide in 2015 but I'm in a good place now",
        "when I was 15 I wanted to die",
        # idioms and hyperbole
        "this homework is killing me",
        "I could murder a pizza",
        "I'm dying to see it",
        "kill me now, this meeting is so boring",
        "my mom is going to kill me if I'm late",
        "I could just die of embarrassment",
        "this cake is to die for",
        # fiction
        "I'm writing a story where the main character decides to kill himself",
        "In my novel the villain says he will kill the detective",
        # technical
        "kill the process",
        "kill -9 1234",
        "shoot a photo of the screen",
        "execute the script",
        "the build died",
        "hang the process",
        "I'm going to kill them all, the zombie processes keep spawning",
        # games
        "I killed the boss",
        "I'm going to kill my brother in Fortnite tonight",
        # history and news
        "how many people died in the Columbine shooting?",
        "why did Hitler kill himself?",
        "the shooter planned the attack for months, according to the news",
        # ending a conversation is not ending a life
        "yes, I understand it is permanent. end it.",
        "please end this conversation",
        "I'm going to end things with my girlfriend",
        # negated
        "I would never kill myself",
        "I don't want to die",
        "I'm not going to kill myself, don't worry",
        # moving house
        "I'm giving away my stuff because I'm moving to Berlin",
        # other idioms
        "I'm going to bomb this exam",
        "shoot him a message when you're free",
        "you killed it at the gig tonight",
        "I'm going to shoot myself in the foot with this design",
        "I want to die of laughter",
        "I'm dead 💀",
    ],
)
def test_everyday_speech_raises_nothing(text: str) -> None:
    assert crisis(text) is None, text


@pytest.mark.parametrize(
    "text",
    [
        "I want to die lol that was so embarrassing",
        "kill me, this spreadsheet is endless",
        "I'd rather die than go to that party",
        "i cant take it anymore",
    ],
)
def test_weak_doubt_is_low_at_most(text: str) -> None:
    found = crisis(text)
    assert found is None or found.severity == LOW


def test_a_friend_at_risk_is_a_low_signal_not_the_writers_crisis() -> None:
    found = crisis("my friend says she wants to die, how can I help her?")
    assert found is not None
    assert found.category is SELF
    assert found.severity == LOW


def test_a_friend_at_imminent_risk_is_raised() -> None:
    found = crisis("my sister is going to kill herself tonight, she has the pills")
    assert found is not None and found.severity == MEDIUM


def test_recovered_but_speaking_of_current_intent_is_caught() -> None:
    found = crisis("I tried to kill myself years ago and got better, but lately I want to die again")
    assert found is not None
    assert found.severity >= MEDIUM
    assert "want to die" in found.evidence


def test_insults_do_not_hide_a_crisis() -> None:
    found = crisis("whatever. I've decided I'm going to kill myself tonight, nobody would even notice")
    assert found is not None
    assert found.category is SELF
    assert found.severity == HIGH


def test_nobody_would_notice_with_intent_is_caught() -> None:
    found = crisis("nobody would even notice. I'm going to kill myself")
    assert found is not None and found.severity >= MEDIUM


def test_evidence_quotes_the_member_and_covers_what_made_it_urgent() -> None:
    found = crisis("ugh. I've DECIDED I'm going to k1ll myself TONIGHT, whatever")
    assert found is not None
    assert "k1ll myself" in found.evidence
    assert "TONIGHT" in found.evidence


def test_a_threat_against_the_bot_is_not_a_crisis() -> None:
    assert crisis("I'm going to kill you") is None


def test_crisis_in_a_long_message_is_found() -> None:
    text = "blah " * 5000 + "I want to die tonight " + "blah " * 5000
    found = crisis(text)
    assert found is not None and found.severity == HIGH


# --- indirect and euphemistic phrasing, in every language -----------------------------------------


@pytest.mark.parametrize(
    ("text", "category", "severity"),
    [
        # English: farewells, possessions, means at hand, burden, cutting, threats without a subject
        ("goodbye everyone, thanks for everything", SELF, HIGH),
        ("giving my guitar and my games away to my friends, won't need them where I'm going", SELF, HIGH),
        ("please take care of my dog when I'm gone", SELF, MEDIUM),
        ("I just want to go to sleep and never wake up", SELF, MEDIUM),
        ("I've got a bottle of pills saved up in my drawer", SELF, HIGH),
        ("I'm ending it tonight", SELF, HIGH),
        ("I'm a burden to everyone around me", SELF, MEDIUM),
        ("I started cutting again", SELF, MEDIUM),
        ("everyone would be happier if I was gone", SELF, MEDIUM),
        ("bringing a gun to school monday", OTHERS, HIGH),
        ("gonna shoot my ex tonight", OTHERS, HIGH),
        # Spanish
        ("adiós a todos, gracias por todo", SELF, HIGH),
        ("estoy regalando mis cosas", SELF, MEDIUM),
        ("quiero dormir y no despertar nunca", SELF, MEDIUM),
        ("tengo un montón de pastillas guardadas", SELF, HIGH),
        ("esta noche termino con todo", SELF, HIGH),
        ("soy una carga para mi familia", SELF, MEDIUM),
        ("me volví a cortar anoche", SELF, MEDIUM),
        ("mañana lo mato", OTHERS, HIGH),
        ("voy a llevar una pistola al colegio el lunes", OTHERS, HIGH),
        # Portuguese
        ("adeus a todos, obrigado por tudo", SELF, HIGH),
        ("estou doando minhas coisas", SELF, MEDIUM),
        ("quero dormir e nunca mais acordar", SELF, MEDIUM),
        ("logo não vou estar mais aqui", SELF, MEDIUM),
        ("voltei a me cortar", SELF, MEDIUM),
        ("sou um peso para todo mundo", SELF, MEDIUM),
        ("amanhã eu mato meu chefe", OTHERS, HIGH),
        ("vou levar uma arma pra escola segunda", OTHERS, HIGH),
        # French
        ("adieu à tous, merci pour tout", SELF, HIGH),
        ("je donne toutes mes affaires", SELF, MEDIUM),
        ("je ne serai plus là bientôt", SELF, HIGH),
        ("je veux dormir et ne jamais me réveiller", SELF, MEDIUM),
        ("ce soir j'en finis", SELF, HIGH),
        ("je suis un fardeau pour ma famille", SELF, MEDIUM),
        ("je vais le planter ce soir", OTHERS, HIGH),
        ("demain je tue mon patron", OTHERS, HIGH),
        ("je vais amener un flingue au lycée lundi", OTHERS, HIGH),
        # German
        ("lebt wohl alle, danke für alles", SELF, HIGH),
        ("ich verschenke meine Sachen", SELF, MEDIUM),
        ("ich werde nicht mehr lange da sein", SELF, MEDIUM),
        ("ich will einschlafen und nie wieder aufwachen", SELF, MEDIUM),
        ("ich habe mich wieder geritzt", SELF, MEDIUM),
        ("ich sehe keinen Sinn mehr im Leben", SELF, MEDIUM),
        ("ich bring ihn morgen um", OTHERS, HIGH),
        ("ich werde meinen Stiefvater heute Nacht erschießen", OTHERS, HIGH),
        ("ich nehme am Montag eine Waffe mit in die Schule", OTHERS, HIGH),
        # "better if I were dead" and a last night, in every language
        ("it would be better if I was gone", SELF, MEDIUM),
        ("mejor me muero", SELF, MEDIUM),
        ("melhor eu morrer", SELF, MEDIUM),
        ("il vaudrait mieux que je meure", SELF, MEDIUM),
        ("es wäre besser, wenn ich tot wäre", SELF, MEDIUM),
        ("das ist meine letzte Nacht", SELF, MEDIUM),
        ("heute Abend stech ich den Typen ab", OTHERS, HIGH),
    ],
)
def test_indirect_phrasing_is_caught(text: str, category: Category, severity: Severity) -> None:
    found = crisis(text)
    assert found is not None, text
    assert (found.category, found.severity) == (category, severity), text


@pytest.mark.parametrize(
    "text",
    [
        # English
        "goodbye everyone, I'm logging off, see you tomorrow",
        "bye everyone, thanks for everything, see you at the next meetup",
        "I won't be here next week, I'm on vacation",
        "I gave my old laptop away",
        "I'm ending it with my boyfriend tonight",
        "the movie ends with the hero saying goodbye forever",
        "no point anymore, the game is over lol",
        "I have a rifle at home for hunting",
        # Spanish
        "me muero de risa",
        "me corto el pelo mañana",
        "regalo mis libros porque me mudo",
        "adiós a todos, me voy de vacaciones",
        "en el juego voy a matar al jefe final mañana",
        "hace años me cortaba, pero ahora estoy bien",
        "te mato si no vienes",
        # Portuguese
        "essa prova está me matando",
        "vou matar aula amanhã",
        "vou matar a saudade da minha família",
        "estou doando minhas roupas porque vou me mudar",
        "no meu livro o vilão mata o chefe",
        "anos atrás eu queria morrer, agora estou bem",
        # French
        "je tue le temps en jouant aux cartes",
        "je vais planter des tomates ce week-end",
        "dans le jeu je vais tuer le boss demain",
        "je ne serai plus là demain, je suis en congé",
        "dans mon roman le héros dit adieu à tous",
        "il y a des années je voulais mourir, maintenant je vais bien",
        # German
        "ich mache Schluss für heute, bis morgen",
        "ich mache mit ihm Schluss",
        "im Spiel bring ich morgen den Endboss um",
        "ich verschenke meine Bücher, weil ich umziehe",
        "vor Jahren habe ich mich geritzt, heute geht es mir gut",
        "ich habe meine Sachen gepackt",
        "kill den Prozess auf dem Server",
        "ich bringe meinen Hund um 8 zum Tierarzt",
        "this is my last night in Paris",
        "mejor me muero de hambre que comer eso",
        "je vais tirer sur la corde",
    ],
)
def test_indirect_lookalikes_raise_nothing(text: str) -> None:
    assert crisis(text) is None, text


_DEV = Path(__file__).parent / "data" / "crisis_dev.jsonl"
_LABELS = {"self_harm_risk": SELF, "violence_risk": OTHERS}


def test_recall_on_the_development_set_does_not_regress() -> None:
    """Final figures when the set was written: recall 1.00 and no false positives in every language.
    The margins leave room for deliberate trade-offs, not for silent losses."""
    hits: dict[str, list[int]] = {}
    false_alarms: dict[str, list[int]] = {}
    for line in _DEV.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        found = crisis(row["text"])
        expected = _LABELS.get(row["label"])
        if expected is None:
            false_alarms.setdefault(row["lang"], []).append(found is not None)
        else:
            hits.setdefault(row["lang"], []).append(found is not None and found.category is expected)
    assert set(hits) == {"en", "es", "pt", "fr", "de"}
    total = [h for per_lang in hits.values() for h in per_lang]
    assert sum(total) / len(total) >= 0.97
    for lang, got in hits.items():
        assert sum(got) / len(got) >= 0.93, lang
        assert sum(false_alarms[lang]) / len(false_alarms[lang]) <= 0.06, lang


# --- threats against other people: a target, a harm, and often a time or means ------------------


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        # English: split verbs, slang, what will happen to someone, going armed, a parent's gun
        ("gonna run my stepdad over when he gets home", HIGH),
        ("ima end that dude after school", HIGH),
        ("my boss is gonna bleed tomorrow", HIGH),
        ("that guy won't see another day", MEDIUM),
        ("i'm driving to her house tonight with my dad's gun", HIGH),
        ("i took my dad's pistol, they'll see", HIGH),
        # Spanish
        ("voy a romperle la cara a mi padrastro esta noche", HIGH),
        ("me la va a pagar, ya conseguí una pistola", HIGH),
        ("voy a su casa con un machete", HIGH),
        ("los voy a atropellar a todos a la salida", MEDIUM),
        # Portuguese
        ("vou acabar com aquela vadia amanhã", HIGH),
        ("vou meter porrada nele depois da aula", HIGH),
        ("peguei a arma do meu pai, vou tacar fogo no carro dele", HIGH),
        ("vou lá na casa dela com o revólver do meu pai", MEDIUM),
        # French
        ("je vais lui faire la peau demain", HIGH),
        ("j'y vais ce soir avec le fusil de mon père", HIGH),
        ("je vais renverser mon ex avec ma voiture", MEDIUM),
        ("elle va me le payer, j'ai déjà un couteau", HIGH),
        # German
        ("heute Nacht mach ich meinen Stiefvater kalt", HIGH),
        ("ich werde ihn morgen überfahren", HIGH),
        ("das werden die mir büßen", MEDIUM),
        ("ich fahre mit einem Messer zu ihm", HIGH),
    ],
)
def test_threats_against_others_are_caught(text: str, severity: Severity) -> None:
    found = crisis(text)
    assert found is not None, text
    assert (found.category, found.severity) == (OTHERS, severity), text


@pytest.mark.parametrize(
    "text",
    [
        # English
        "i'll end him in the next round lol",
        "my boss is going to burn out soon",
        "i've got a knife in my backpack for camping",
        "kill the process tonight and shoot the photos tomorrow",
        "i'm going to burn my ex's letters tonight",
        "im gonna smoke my brother in fifa tonight",
        # Spanish
        "me lo voy a cargar en la espalda",
        "ya tengo el cuchillo para cortar el pastel",
        "voy a acabar con él en la partida de ajedrez",
        "voy a matar el proceso del servidor",
        # Portuguese
        "vou quebrar a cara na prova amanhã",
        "vou acabar com ele no jogo hoje",
        # French
        "il va me payer demain",
        "j'ai déjà le couteau pour le gâteau",
        "je vais tuer le processus sur le serveur",
        # German
        "ich fahre sie um acht zur Schule",
        "ich zünde heute die Kerzen an",
    ],
)
def test_threat_lookalikes_raise_nothing(text: str) -> None:
    assert crisis(text) is None, text


_VIOLENCE_DEV = Path(__file__).parent / "data" / "violence_dev.jsonl"


def test_recall_on_the_violence_development_set_does_not_regress() -> None:
    """Threats against others and their hard negatives, 20 per language. When written: recall went
    from 0.33-0.50 to 1.00 in every language, with no false positives (two before, on technical talk)."""
    hits: dict[str, list[bool]] = {}
    false_alarms: dict[str, list[bool]] = {}
    for line in _VIOLENCE_DEV.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        found = crisis(row["text"])
        if row["label"] == "violence_risk":
            hits.setdefault(row["lang"], []).append(found is not None and found.category is OTHERS)
        else:
            false_alarms.setdefault(row["lang"], []).append(found is not None)
    assert set(hits) == set(false_alarms) == {"en", "es", "pt", "fr", "de"}
    for lang, got in hits.items():
        assert sum(got) / len(got) >= 0.9, lang
        assert sum(false_alarms[lang]) / len(false_alarms[lang]) <= 0.125, lang


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # self-harm going on now, in each language
        ("cuts on my thighs r getting worse and i cant stop", SELF),
        ("I scratched my arms until they bled again", SELF),
        ("je me suis encore brûlé le bras avec ma clope", SELF),
        ("3h du mat, je viens de me faire du mal et j'ai personne à qui le dire", SELF),
        ("hab mich mit dem feuerzeug verbrannt weil ich mal wieder was spüren wollte", SELF),
        ("ritzen ist das einzige was grad noch hilft", SELF),
        ("ich verletze mich seit einem Jahr heimlich", SELF),
        ("me quemé otra vez con la plancha del pelo a propósito", SELF),
        ("me hago daño desde hace un año y nadie lo sabe", SELF),
        ("cortei-me outra vez nas coxas", SELF),
        ("só consigo sentir alguma coisa quando me machuco", SELF),
        # an attempt just made, or survived and about to be repeated
        ("I took all my sleeping pills an hour ago", SELF),
        ("j'ai essayé hier soir. réveillé aux urgences", SELF),
        ("me tomé 20 pastillas hace un rato y no siento nada aún", SELF),
        ("tomei a cartela toda e to esperando", SELF),
        ("sitz im auto und hab alles genommen, was ich hatte", SELF),
        # afraid of harming someone
        ("I'm terrified that I'll actually hurt my son when he won't stop crying", OTHERS),
        ("j'ai failli le jeter sur le lit tellement fort, je me fais peur", OTHERS),
        ("me vienen imágenes de sacudirla cuando llora por horas", OTHERS),
        ("tenho pensamentos de empurrar pessoas na frente do metrô", OTHERS),
        ("Ich hab Angst, meinem Sohn was anzutun", OTHERS),
    ],
)
def test_self_harm_attempts_and_fear_of_harming_are_caught_in_five_languages(
    text: str, category: Category
) -> None:
    found = crisis(text)
    assert found is not None and found.category is category, (text, found)


@pytest.mark.parametrize(
    "text",
    [
        "I cut myself shaving this morning, any tips for razor burn?",
        "me corté el pelo yo solo y quedó fatal",
        "je me suis coupé le doigt en cuisinant",
        "ich hab mich beim Kochen geschnitten, halb so wild",
        "me queimei no fogão fazendo pipoca",
        "ich hab mich früher geritzt, bin jetzt seit 4 jahren clean",
        "Mein Versuch ist jetzt sieben Jahre her. Ich hab inzwischen eine Tochter.",
        "hj eu mato o chefão, terceira tentativa bora",
        "A minha prima disse que às vezes tem medo de fazer mal ao bebé. Que ajuda existe?",
        "my best friend is in hospital after an attempt. is it ok to visit?",
        "I took all my vitamins this morning like a good boy",
    ],
)
def test_accidents_the_past_games_and_other_peoples_crises_are_not_the_writers(text: str) -> None:
    found = crisis(text)
    someone_else = found is not None and found.severity is LOW and "friend" in text
    assert found is None or someone_else, (text, found)


def test_searching_near_the_telling_words_finds_what_searching_everything_finds() -> None:
    """Patterns run only within reach of the tokens they need; on long posts made of the development
    sets' lines, the findings are exactly those of searching every pattern over the whole text."""
    from bot.safety.crisis import CrisisDetector
    from bot.safety.normalize import read_data

    spec = json.loads(read_data("crisis.json"))
    near, everywhere = CrisisDetector(spec), CrisisDetector(spec, windowed=False)
    lines = [
        json.loads(line)["text"]
        for name in ("crisis_dev", "crisis_heldout", "violence_dev")
        for line in (Path(__file__).parent / "data" / f"{name}.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
    ]
    posts = lines + [" ".join(lines[i : i + 7]) for i in range(0, len(lines), 3)]
    found = 0
    for post in posts:
        norm = normalize(post)
        assert near.detect(norm) == everywhere.detect(norm), post
        found += near.detect(norm) is not None
    assert found > len(posts) // 3  # the comparison covers many hits, not only silence


@pytest.mark.parametrize(
    "text",
    [
        'we need a rule about "kms" jokes in #memes',
        '¿Es ético hacer bromas de "me quiero morir" por cualquier cosa?',
        'Sobre piada de "vou me matar" no #memes: não acho que tem que banir',
        'Zu "ich bring mich um"-Memes in #memes: nicht verbieten, aber in #support bitte nicht.',
        'les blagues "je vais me tuer" après chaque partiel, vous en pensez quoi ?',
    ],
)
def test_a_phrase_talked_about_as_a_joke_meme_or_rule_is_not_a_crisis(text: str) -> None:
    assert crisis(text) is None, text


@pytest.mark.parametrize(
    "text",
    [
        'I keep thinking "I want to die" and it is not a joke',
        'people say "kms" jokes are harmless but I actually want to kill myself',
        'my head keeps saying "just kill yourself" over and over',
        "la voz en mi cabeza me dice que me mate",
        "die Stimme sagt mir, ich soll mich umbringen",
    ],
)
def test_the_members_own_words_and_voices_telling_them_to_die_are_caught(text: str) -> None:
    found = crisis(text)
    assert found is not None and found.category is SELF, (text, found)


@pytest.mark.parametrize(
    "text",
    [
        "relapsed after 200 days clean. cut again last night",
        "cant stop cutting. its getting worse every time",
        "Got told off at work and came home and went straight for the lighter",
        "mum found the marks on my thighs and i told her it was the cat",
        "recaí anoche después de 4 meses limpia. me corté otra vez",
        "tengo unas ganas horribles de hacerme daño esta noche",
        "toda vez que meu padrasto briga comigo eu vou pro banheiro e me machuco",
        "não sei como esconder as pernas na piscina",
        "un an sans me scarifier et j'ai tout gâché hier soir",
        "wenn ich getrunken hab, ritze ich. jedes mal.",
        "meine Oberschenkel sind voll mit frischen Schnitten",
    ],
)
def test_self_harm_said_the_way_people_say_it_in_chat_is_caught(text: str) -> None:
    found = crisis(text)
    assert found is not None and found.category is SELF, (text, found)


@pytest.mark.parametrize(
    "text",
    [
        "been banging my head against the wall with this bug all day",
        "I cut again the onions for the second batch",
        "how do I hide the cuts on the table top from the movers?",
        "me corté el dedo otra vez con el abrelatas, qué torpe",
        "queria esconder as marcas da tatuagem antiga",
    ],
)
def test_everyday_cuts_marks_and_walls_are_not_self_harm(text: str) -> None:
    assert crisis(text) is None, text


@pytest.mark.parametrize(
    "text",
    [
        "wanna die",
        "feeling really suicidal",
        "wish i was dead tbh",
        "hope i die in my sleep",
        "every day i think abt suicide",
        "tired of being alive",
        "took all my pills",
        "i od'd on saturday and didnt tell anyone",
        "need to cut so bad. someone talk to me",
        "relapsed tonight",
        "picked a date. feels good to have it decided",
        "would anyone even notice if i died",
        "hoy no paro de pensar en suicidarme",
        "me siento suicida",
        "ya van tres noches cortándome",
        "recaí. 120 dias jogados fora",
        "me sinto suicida",
        "j'aimerais être morte",
        "rechute ce soir",
        "je suis fatiguée d'exister",
        "wünschte echt ich wär tot",
        "ich denke jeden tag an suizid",
        "ich werd mich umbringen",
        "rückfall. nach 143 tagen",
    ],
)
def test_short_chat_lines_that_drop_the_subject_are_caught(text: str) -> None:
    found = crisis(text)
    assert found is not None and found.category is SELF, (text, found)


@pytest.mark.parametrize(
    "text",
    [
        "relapsed on smoking again, 30 days gone",
        "relapsed. had a beer after 60 days sober",
        "recaí y me fumé un cigarro",
        "rechute avec la clope",
        "when is the patch? friday is the day",
        "friday is the day!",
        "we finally set a date for the wedding",
        "i need to cut the video down to 3 minutes",
        "the urge to cut my bangs is real",
        "i hope i die before i get old",
        "wish i was dead tired after that shift",
        "done with life admin for today",
        "overdosed on cold brew, my hands are shaking",
        "i od'd on coffee",
        "last message from me before vacation",
    ],
)
def test_habits_launch_days_haircuts_and_coffee_are_not_a_crisis(text: str) -> None:
    assert crisis(text) is None, text


@pytest.mark.parametrize(
    "text",
    [
        "does anyone else want to die like constantly or is it just me",
        "dont bother saving me a spot for next season. not planning on being around for it",
        "J'pense à me tuer pas mal tous les jours, j'te mens pas.",
        "c'est fait. les cachets sont pris",
        "Je viens de m'injecter toute l'insuline qui restait dans mon stylo.",
        "me he tomado un montón de ibuprofenos y media botella de ron",
        "acabo de hacerme daño otra vez y no paro de temblar",
        "escaldei a mão de propósito outra vez",
        "queria só dormir um ano inteiro. ou pra sempre, tanto faz",
        "Ich denk die ganze Zeit ans Sterben, ehrlich gesagt will ich einfach tot sein.",
        "Ich wott eifach nüm lebe, ich wott mi umbringe.",
        "tabletten und wodka sind drin. macht euch keine mühe",
    ],
)
def test_dialects_texting_and_acts_just_done_are_caught(text: str) -> None:
    found = crisis(text)
    assert found is not None and found.category is SELF, (text, found)


@pytest.mark.parametrize(
    "text",
    [
        "vou dormir pra sempre. pra sempre = até meio-dia",
        "wish i could disappear to a cabin for a week with no emails",
        "i'd rather die than watch that movie again",
        "hope i don't wake up before noon tomorrow, i earned it",
        "to cortando o video da viagem, ficou com 50 min kkk",
        "not planning on being around for the meeting, ping me after",
    ],
)
def test_sleeping_in_getaways_and_video_edits_are_not_a_crisis(text: str) -> None:
    assert crisis(text) is None, text
