"""edge.privacy: what redaction finds per kind, its invariants, `tandem redact`, and that a
real cloud request, the trace and an audit export leave without personal data."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cloud.testing import run_bounded, running_server
from edge.actions.audit import AuditLog
from edge.cloud_link import CloudLink, CloudLinkSettings
from edge.privacy import KINDS, Redactor, Span, default_redactor
from edge.privacy.bench import PII_SET, load_set
from edge.privacy.text import fold, luhn
from edge.trace import TraceWriter, TurnRecord

REDACT = Redactor(["Priya", "Tomás", "Anna Smith", "Mom"])


def kinds(text: str) -> list[str]:
    return [s.kind for s in REDACT.spans(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("Call John Smith tomorrow.", "Call [name] tomorrow."),
    ("remind Tomas to bring the charger", "remind [name] to bring the charger"),
    ("Tell TOMÁS dinner is ready", "Tell [name] dinner is ready"),
    ("Ask Dr. Okonkwo about it", "Ask [name] about it"),
    ("text Zbigniew that I'm late", "text [name] that I'm late"),
    ("What did Will say?", "What did [name] say?"),
    ("Will it rain in Sydney?", "Will it rain in Sydney?"),
    ("Call mom.", "Call mom."),
])
def test_names(text: str, expected: str) -> None:
    assert REDACT(text) == expected


def test_contacts_match_without_accents_either_way() -> None:
    assert fold("Tomás Müller") == "Tomas Muller"
    assert Redactor(["Tomas"])("tell Tomás") == "tell [name]"
    assert Redactor(["Zoë"])("call zoe now") == "call [name] now"


@pytest.mark.parametrize("text", [
    "Call 555 123 4567.", "my number is +44 20 7946 0958", "dial (415) 555-0199",
    "my phone number is four one five five five five zero one nine nine",
    "my cell is oh seven seven double oh nine double oh one two three",
])
def test_phone_numbers_written_or_spoken(text: str) -> None:
    assert kinds(text) == ["phone"]


def test_cards_by_luhn_or_by_cue() -> None:
    assert luhn("4111111111111111") and not luhn("4111111111111112")
    assert kinds("use 4111 1111 1111 1111") == ["card"]
    assert kinds("four two four two, four two four two, four two four two, "
                 "four two four two") == ["card"]
    assert kinds("card number 4111 1111 1111 1112") == ["card"]  # misheard: the cue
    assert kinds("reference 4111 1111 1111 1112") == ["phone"]  # still a long number


@pytest.mark.parametrize(("text", "kind"), [
    ("I was born on 12 March 1985.", "dob"),
    ("My birthday is June 4th", "dob"),
    ("date of birth the second of May two thousand fifteen", "dob"),
    ("I live at 221B Baker Street", "address"),
    ("the party is at fourteen Oak Lane", "address"),
    ("postcode SW1A 1AA", "address"),
    ("email anna.smith@example.com", "email"),
    ("send it to bob dot jones at gmail dot com", "email"),
    ("my password is hunter2", "secret"),
    ("the PIN for my card is 6 6 0 1", "secret"),
    ("set the alarm code to five five eight oh", "secret"),
    ("I have diabetes", "health"),
    ("my son was diagnosed with ADHD", "health"),
    ("I'm pregnant", "health"),
])
def test_each_kind(text: str, kind: str) -> None:
    assert kinds(text) == [kind]


@pytest.mark.parametrize("text", [
    "Set the thermostat to 21.", "Set a timer for 10 minutes.", "call mom",
    "Remind me on March 3rd to pay rent.", "I have a headache, what should I take?",
    "What are the symptoms of diabetes?", "I forgot my password", "My password is too weak",
    "It's a 10 minute drive to work.", "What's 1,250,000 divided by 4?",
    "Set a reminder for 2025-06-01.", "What's the weather in Paris?", "Mark the 4th of July",
])
def test_what_is_not_personal(text: str) -> None:
    assert REDACT.spans(text) == ()


# -- the independent set's lessons, by principle (not its sentences) ------------------------

@pytest.mark.parametrize(("text", "expected"), [
    # births said without "born": a child's arrival, a delivery, "into the world"
    ("Our daughter arrived on 2 March 2022.", "Our daughter arrived on [dob]."),
    ("She was delivered on June 6th, 2006.", "She was delivered on [dob]."),
    ("I came into the world on the 1st of May 1970.", "I came into the world on [dob]."),
    ("Grandad turns 90 on 3 May.", "Grandad turns 90 on [dob]."),
    ("Born 6/1/92, that's me.", "Born [dob], that's me."),  # a two-digit year
    ("He was born 12th Feb '85.", "He was born [dob]."),
    ("Her birthday is on the twelfth.", "Her birthday is on [dob]."),
    ("She was born in 1990, on June 5.", "She was born in [dob], on [dob]."),
    ("He was born on Friday the 13th of October 2000.", "He was born on [dob]."),
    ("My DOB is oh three slash one five slash nineteen eighty.", "My DOB is [dob]."),
])
def test_dates_of_birth_in_other_words(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize("text", [
    "My grandfather was born in 1931 in a small village.",  # a bare year identifies no one
    "He was born in nineteen sixty.", "I was born in 1990 and moved here in 2005.",
    "Remind me to buy a birthday present on 5 May.",  # the present's date, not a birth's
    "Play Born on the Fourth of July.", "The parcel arrived on 3 March 2024.",
])
def test_dates_that_are_not_a_birth(text: str) -> None:
    assert REDACT.spans(text) == ()


@pytest.mark.parametrize(("text", "expected"), [
    ("Email the recipe to grandma.rose at hotmail dot com.", "Email the recipe to [email]."),
    ("Reach me at tom.baker at gmail.com", "Reach me at [email]"),
    ("my email's mary dot ann at gmail dot com", "my email's [email]"),
    ("Email j dot smith ninety nine at gmail dot com.", "Email [email]."),
    ("write to hr at acme dash corp dot de", "write to [email]"),
    ("Look at bbc dot co dot uk for the news.", "Look at bbc dot co dot uk for the news."),
])
def test_spoken_emails(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Unlock the car, passcode 660231.", "Unlock the car, passcode [secret]."),
    ("Door code 4471 for the walker.", "Door code [secret] for the walker."),
    ("the wifi password's sunflower22", "the wifi password's [secret]"),
    ("my pin, it's 4 4 1 9", "my pin, it's [secret]"),
    ("The code for the front door is 2468.", "The code for the front door is [secret]."),
    ("4421 is my PIN.", "[secret] is my PIN."),
    ("Enter the passcode 4421 to disarm.", "Enter the passcode [secret] to disarm."),
    ("My banking password is correct horse battery staple.",
     "My banking password is [secret]."),
    ("Our garage opener code is 5543.", "Our garage opener code is [secret]."),
    ("The code to get in is 4471.", "The code to get in is [secret]."),  # 4+ digits only
])
def test_secrets_without_is(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize("text", [
    "The password field is empty.", "The PIN is four digits long.", "My password is wrong.",
    "What's a good password manager?", "I reset my password 100 times today.",
    "What's the area code for Boston?", "Enter the promo code SAVE20 at checkout.",
    "The error code is 404.", "The code is in the drawer.",
])
def test_what_secret_words_say_without_a_secret(text: str) -> None:
    assert REDACT.spans(text) == ()


@pytest.mark.parametrize(("text", "expected"), [
    ("My wife takes metformin.", "My wife takes [health]."),
    ("I take lisinopril every morning.", "I take [health] every morning."),  # "-pril"
    ("My dad takes 5 mg of Eliquis.", "My dad takes 5 mg of [health]."),  # a dose
    ("He's allergic to peanuts.", "He's [health]."),
    ("My husband has a peanut allergy.", "My husband has a [health]."),
    ("She has Parkinson's disease.", "She has [health]."),
    ("I'm a type 1 diabetic.", "I'm a [health]."),
    ("He's HIV-positive.", "He's [health]."),
    ("Grandma's got dementia.", "Grandma's got [health]."),
    ("My dad had a stroke.", "My dad had a [health]."),
    ("He's blind.", "He's [health]."),
    ("I have type one diabetes.", "I have [health]."),
    ("My daughter is allergic to eggs and milk.", "My daughter is [health]."),
    ("I'm recovering from knee surgery.", "I'm recovering from [health]."),
])
def test_health_by_vocabulary_and_by_pattern(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize("text", [
    "My dog has arthritis.",  # a pet's
    "Can I get diabetes from eating sugar?", "What should I do if someone has a stroke?",
    "I'm reading a book about Alzheimer's.", "I want a non-alcoholic beer.",
    "My phone has a lithium battery.", "I'm going on a blind date.", "Close my blinds.",
    "I'm suffering from a cold.", "I had 200 mg of caffeine today.",
    "Is it safe to fly when you're pregnant?",
])
def test_health_words_that_say_nothing_about_anyone(text: str) -> None:
    assert REDACT.spans(text) == ()


@pytest.mark.parametrize(("text", "expected"), [
    ("Send it to 45 rue de la Paix, Paris.", "Send it to [address]."),  # the town too
    ("Deliver to Hauptstraße 5.", "Deliver to [address]."),
    ("Ship to Flat 3, 22 Acacia Avenue.", "Ship to [address]."),
    ("My address is 500 West 42nd Street.", "My address is [address]."),
    ("Send it to 3 The Green, Richmond.", "Send it to [address]."),
    ("Our cabin is at two hundred Pine Ridge Road.", "Our cabin is at [address]."),
    ("Cambridge, MA 02139", "Cambridge, MA [address]"),
    ("my postcode is sw1a 2aa", "my postcode is [address]"),  # any case after the word
    ("Is there a pharmacy near 5th Avenue?", "Is there a pharmacy near 5th Avenue?"),
])
def test_addresses_international_and_with_flats(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("What did Barack Obama say?", "What did [name] say?"),  # public figures are names
    ("How old is Michael Jordan?", "How old is [name]?"),  # a place-like surname
    ("Jordan said he'd be late.", "[name] said he'd be late."),
    ("When did the Berlin Wall fall?", "When did the Berlin Wall fall?"),
    ("Play the voicemail from Rachel Green.", "Play the voicemail from [name]."),
    ("Take me to Victoria Station.", "Take me to Victoria Station."),
    ("We're visiting Paris in June.", "We're visiting Paris in June."),
    ("Buy a bottle of Jack Daniel's.", "Buy a bottle of Jack Daniel's."),
    ("Send it to San Francisco.", "Send it to San Francisco."),
])
def test_names_against_places_and_brands(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("buy two more Heinz beans", "buy two more Heinz beans"),
    ("get a small Margherita and a Hawaiian", "get a small Margherita and a Hawaiian"),
    ("is the Dow Jones up today", "is the Dow Jones up today"),
    ("how far is it to King's Cross", "how far is it to King's Cross"),
    ("my home network is called Seahorse", "my home network is called Seahorse"),
    ("play a song called Roxanne", "play a song called Roxanne"),
    ("I met a guy called Dave", "I met a guy called [name]"),
    ("ring Domino's Pizza", "ring Domino's Pizza"),
    ("call Burger Palace", "call Burger Palace"),
    ("book the vet for Bella's booster", "book the vet for Bella's booster"),
    ("has anyone fed the dog, Rufus, today", "has anyone fed the dog, Rufus, today"),
    ("remind Oscar to walk the dog", "remind [name] to walk the dog"),
    ("put on Valerie", "put on Valerie"),
    ("play something by Taylor Swift", "play something by [name]"),
    ("her birthday is in March", "her birthday is in March"),
])
def test_people_like_names_of_things_pets_and_titles(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("text tolulope the gate code", "text [name] the gate code"),
    ("ring auntie yewande after lunch", "ring auntie [name] after lunch"),
    ("did oleksandra answer", "did [name] answer"),
    ("invite Zanele Mokoena to the braai", "invite [name] to the braai"),
    ("email Wanjiru Kamau the minutes", "email [name] the minutes"),
    ("remind me to call Zhou Wei", "remind me to call [name]"),
    ("say hi to tran thi mai", "say hi to [name]"),
    ("facetime Seo-yeon Kim", "facetime [name]"),
    ("Hye-jin's flight lands at six", "[name]'s flight lands at six"),
    ("send a card to Nguyễn Thảo", "send a card to [name]"),
])
def test_names_of_many_cultures(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("so it's like b o l a at yahoo dot com", "so it's like [email]"),
    ("write to m dot nowak at wp2 dot pl", "write to [email]"),
    ("mail ciara at ciara walsh dot ie", "mail [email]"),
    ("meet me at the park dot com", "meet me at the park dot com"),
])
def test_spoken_emails_spelled_and_odd_domains(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("is it raining in 02139?", "is it raining in [address]?"),
    ("my parcel number ends in 12345.", "my parcel number ends in 12345."),
    ("send it to Rua das Flores, 120, Porto", "send it to [address]"),
    ("drop me at ul. Długa 5, 80-827 Gdańsk", "drop me at [address]"),
    ("it's 14 Shore Road, Cork T12 X5R8", "it's [address]"),
    ("she lives at 8 Grafton Street, Dublin 2.", "she lives at [address]."),
    ("ship to 4 Park Street, Chennai six zero zero zero one seven",
     "ship to [address]"),
    ("we're at nine oak lane flat two", "we're at [address]"),
])
def test_addresses_of_more_countries(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("My policy number is ABC-1234567.", "My policy number is [phone]."),
    ("My IBAN is GB29 NWBK 6016 1331 9268 19.", "My IBAN is [phone]."),
    ("The tracking number is 1Z999AA10123456784.", "The tracking number is [phone]."),
    ("Convert 3000000 won to dollars.", "Convert 3000000 won to dollars."),
    ("What's 1234567 times 3?", "What's 1234567 times 3?"),
    ("The winning numbers were 5, 12, 23, 34, 45 and 49.",
     "The winning numbers were 5, 12, 23, 34, 45 and 49."),
    ("Count: one, two, three, four, five, six, seven, eight.",
     "Count: one, two, three, four, five, six, seven, eight."),
    ("The router is at 192.168.1.254.", "The router is at 192.168.1.254."),
    ("It ran from 1990-2010.", "It ran from 1990-2010."),
])
def test_ids_against_amounts_lists_and_addresses(text: str, expected: str) -> None:
    assert REDACT(text) == expected


def test_the_issues_examples_no_longer_pass() -> None:
    text = ("John Smith, born 4 July 1980, my password is hunter2, card 4111 1111 1111 1111, "
            "I have epilepsy; tell Tomas")
    out = REDACT(text)
    for secret in ("John", "Smith", "1980", "hunter2", "4111", "epilepsy", "Tomas"):
        assert secret not in out
    assert out.count("[") == 6


def test_spans_are_offsets_into_the_original() -> None:
    text = "Tell Tomás I'm at 12 Baker Street"
    result = REDACT.redact(text)
    assert [(text[s.start:s.end], s.kind) for s in result.spans] == [
        ("Tomás", "name"), ("12 Baker Street", "address")]
    assert result.to_json()["spans"] == [s.to_json() for s in result.spans]


# -- invariants ---------------------------------------------------------------------------

PII = ["John Smith", "Priya", "555 123 4567", "4111 1111 1111 1111", "anna@example.com",
       "12 Baker Street", "my password is hunter2", "I was born on 3 May 1990",
       "I have asthma", "four one five five five five zero one nine nine"]
FILLER = ["turn on the lights", "please", "and", "set a timer for 10 minutes", "call mom",
          "what's the weather", ",", ".", "thanks", "at 7 pm"]
sentences = st.lists(st.sampled_from(PII + FILLER), min_size=1, max_size=8).map(" ".join)
any_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=120)


@settings(max_examples=200, deadline=None)
@given(st.one_of(sentences, any_text))
@example("I was born on ❶ May 1990")  # isdigit() but not int(): they crashed the date finder
@example("my card is ²²²² ²²²² ²²²² ²²²²")
def test_spans_are_in_bounds_ordered_and_disjoint(text: str) -> None:
    spans = REDACT.spans(text)
    for a, b in zip(spans, spans[1:], strict=False):
        assert a.end <= b.start
    for s in spans:
        assert 0 <= s.start < s.end <= len(text) and s.kind in KINDS


@settings(max_examples=200, deadline=None)
@given(st.one_of(sentences, any_text))
def test_redacting_twice_changes_nothing(text: str) -> None:
    once = REDACT(text)
    assert REDACT(once) == once


@settings(max_examples=200, deadline=None)
@given(sentences)
def test_no_redacted_text_survives(text: str) -> None:
    result = REDACT.redact(text)
    for span in result.spans:
        assert text[span.start:span.end] not in result.redacted


# -- the labelled set ------------------------------------------------------------------------

def test_the_labelled_set_is_sound() -> None:
    examples = load_set(PII_SET, "all")
    assert len(examples) >= 300
    clean = [e for e in examples if not e.spans]
    assert len(clean) * 2 >= len(examples) - 2  # about half without personal data
    assert {e.split for e in examples} == {"dev", "test"}
    for e in examples:
        for s in e.spans:
            assert 0 <= s.start < s.end <= len(e.text) and s.kind in KINDS
            assert e.text[s.start:s.end].strip() == e.text[s.start:s.end]
    assert {s.kind for e in examples for s in e.spans} == set(KINDS)


# -- the command line ------------------------------------------------------------------------

def tandem(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[1])


def test_cli_redacts_one_text() -> None:
    done = tandem("redact", "my PIN is 4821, call Priya")
    assert done.returncode == 0
    assert done.stdout == "my PIN is [secret], call [name]\n"


def test_cli_jsonl_one_line_per_line() -> None:
    texts = ["Call John Smith on 555 123 4567", "turn on the lights", "Tell Tomás", ""]
    done = tandem("redact", "--jsonl", stdin="".join(json.dumps({"text": t}) + "\n"
                                                     for t in texts))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["text"] for line in lines] == texts
    assert lines[0]["redacted"] == "Call [name] on [phone]"
    assert lines[0]["spans"] == [{"start": 5, "end": 15, "kind": "name"},
                                 {"start": 19, "end": 31, "kind": "phone"}]
    assert lines[1] == {"text": texts[1], "redacted": texts[1], "spans": []}
    assert set(lines[2]) == {"text", "redacted", "spans"}


@pytest.mark.parametrize("bad", ["not json\n", '{"txt": "x"}\n', '["a"]\n', "\n"])
def test_cli_bad_input_is_one_line_and_an_error(bad: str) -> None:
    done = tandem("redact", "--jsonl", stdin='{"text": "fine"}\n' + bad)
    assert done.returncode != 0
    assert len(done.stdout.splitlines()) == 1  # what came before the bad line
    assert len(done.stderr.strip().splitlines()) == 1
    assert "line 2" in done.stderr


# -- what leaves the device ------------------------------------------------------------------

def test_a_real_cloud_request_leaves_redacted(tiny_gguf: Path) -> None:
    """The cloud's handoff packet carries what it received: the transcript and context."""
    received: list[bytes] = []
    said = "let me talk to a person, my card is 4111 1111 1111 1111 and I'm John Smith"
    context = [("user", "my password is hunter2"), ("assistant", "Noted, Priya.")]

    async def scenario() -> None:
        async with running_server(tiny_gguf, n_threads=1, max_tokens=8,
                                  handoff=received.append) as server:
            link = CloudLink(CloudLinkSettings(target=server.target, device_id="dev-9"))
            try:
                async for _ in link.converse(said, context, "s1", 1):
                    pass
            finally:
                await link.aclose()

    run_bounded(scenario())
    assert received, "the cloud handed nothing off"
    packet = received[0].decode()
    for secret in ("4111", "John", "Smith", "hunter2", "Priya"):
        assert secret not in packet
    assert "[card]" in packet and "[secret]" in packet


def test_trace_and_log_lines_are_redacted_the_record_is_not() -> None:
    record = TurnRecord(1, "hey_jarvis", 0.9, 1.0, transcript="text Priya my PIN is 4821",
                        reply_text="Sent to Priya.", slots={"contact": "Priya"},
                        stop_checks=[{"text": "call 555 123 4567", "at_s": 1.0}])
    out = io.StringIO()
    TraceWriter(out, Redactor(["Priya"])).write(record)
    written = json.loads(out.getvalue())
    assert written["transcript"] == "text [name] my PIN is [secret]"
    assert written["reply_text"] == "Sent to [name]."
    assert written["slots"] == {"contact": "[name]"}
    assert written["stop_checks"][0]["text"] == "call [phone]"
    assert "Priya" not in record.redacted(default_redactor()).summary()
    assert record.transcript == "text Priya my PIN is 4821"  # the turn keeps what it heard
    raw = io.StringIO()
    TraceWriter(raw, raw=True).write(record)
    assert "4821" in raw.getvalue()


def test_audit_export_is_redacted_the_log_is_not(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.db")
    audit.append("dev", "s", 1, "utterance", {"transcript": "my password is hunter2"})
    audit.append("dev", "s", 1, "action", {"slots": {"contact": "John Smith"}})
    exported = [json.loads(line) for line in audit.export()]
    assert exported[0]["body"] == {"transcript": "my password is [secret]"}
    assert exported[1]["body"] == {"slots": {"contact": "[name]"}}
    assert audit.entries()[0].body["transcript"] == "my password is hunter2"
    assert audit.verify() is None
    assert "hunter2" in next(audit.export(raw=True))
    audit.close()


def test_span_is_a_frozen_value() -> None:
    span = Span(0, 4, "name")
    with pytest.raises(AttributeError):
        span.start = 1  # type: ignore[misc]


@pytest.mark.parametrize(("text", "expected"), [
    # a given name of another culture, lowercase (world_given_names.txt)
    ("remind lakshmi about the dentist", "remind [name] about the dentist"),
    ("whose turn is it, me or Tanveer", "whose turn is it, me or [name]"),
    # a lowercase name that is also a word, after a verb that takes a person
    ("remind mark to lock up", "remind [name] to lock up"),
    ("send will a copy of the photos", "send [name] a copy of the photos"),
    ("did bill answer yet", "did [name] answer yet"),
    ("facetime Kiki", "facetime [name]"),
    ("my name's oyelaran", "my name's [name]"),
    ("ask coach nakamura about practice", "ask coach [name] about practice"),
    ("emails from uh from kowalczyk", "emails from uh from [name]"),
    ("note that ade's date of birth is in the form",
     "note that [name]'s date of birth is in the form"),
    # surname first, a contact's surname, an O' surname, a known figure's surname
    ("the booking is for Zhang Wei", "the booking is for [name]"),
    ("ring Priya Menon", "ring [name]"),
    ("text sean o'connor", "text [name]"),
    ("a podcast with elon musk", "a podcast with [name]"),
    # never a name: a country, a word, a brand, a role before a street
    ("what's the capital of Chad", "what's the capital of Chad"),
    ("thanks will do", "thanks will do"),
    ("did mark the date on the calendar", "did mark the date on the calendar"),
    ("what time does trader joe's close", "what time does trader joe's close"),
    ("is president street closed", "is president street closed"),
    ("the dog's date of birth is on the vet card", "the dog's date of birth is on the vet card"),
    ("My IBAN is GB29 NWBK 6016 1331 9268 19.", "My IBAN is [phone]."),
])
def test_names_by_culture_and_cue(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # the town, region and postcode after a street go with it
    ("ship it to 9 Elm Close, Guildford GU1 4RR", "ship it to [address]"),
    ("ship to 400 Bay Street, Toronto, ON M5H 2Y4", "ship to [address]"),
    ("mail it to 8 Smith Street, Perth WA 6000", "mail it to [address]"),
    ("Lindenweg 7, 80331 München", "[address]"),
    ("a cab to 1-9-1 Marunouchi, Chiyoda-ku, Tokyo", "a cab to [address]"),
    ("the postcode is s w one a two a a", "the postcode is [address]"),
    ("any vets near 10001", "any vets near [address]"),
    ("go to three hundred and five main street", "go to [address]"),
    ("56 bridge street, is it bin day", "[address], is it bin day"),
    ("a 10 minute drive near 5 roads", "a 10 minute drive near 5 roads"),
])
def test_addresses_with_town_and_spoken_forms(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("email b dot okafor at outlook dot com", "email [email]"),
    ("it's j o n at proton dot me", "it's [email]"),
    ("write to ravi at the rate yahoo dot in", "write to [email]"),
    ("my passcode's the usual, four four nine one", "my passcode's the usual, [secret]"),
    ("mein Kennwort ist Sonnenblume7", "mein Kennwort ist [secret]"),
    ("the wifi password is apples and pears", "the wifi password is [secret]"),
    ("my password is strong and secure", "my password is strong and secure"),
    ("call plus three three six one two three four five six seven eight",
     "call [phone]"),
    ("what is five plus one two three four five six seven",
     "what is five plus one two three four five six seven"),
    ("my ptsd has been bad, remind me about my inhaler",
     "my [health] has been bad, remind me about my [health]"),
    ("her surgery's on friday", "her [health] on friday"),
    ("my blind is stuck", "my blind is stuck"),
])
def test_spoken_emails_passphrases_country_codes_and_owned_conditions(
        text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # A lowercase transcript's town, region and postcode join the street after its comma.
    ("the parcel goes to 31 mill lane, harrogate HG1 4QT", "the parcel goes to [address]"),
    ("deliver to 7 rata street, wellington 6011", "deliver to [address]"),
    ("my sister lives at 12 quay road, st davids", "my sister lives at [address]"),
    ("book a ride to 44 ocean drive, miami beach, fl 33139", "book a ride to [address]"),
    ("i live at 12 elm street, call me later", "i live at [address], call me later"),
    # A street type first, lowercase, before its number; an everyday street type after
    # "number" (but "at 5" may be a time).
    ("take me to carrera de san jeronimo 15, madrid", "take me to [address]"),
    ("she lives at number 9 meadow view", "she lives at number [address]"),
    ("we met at 5 central park", "we met at 5 central park"),
])
def test_lowercase_localities_and_street_types(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("call dr okonkwo about the results", "call [name] about the results"),  # lowercase title
    ("remind mrs szymanska about the rent", "remind [name] about the rent"),
    ("who painted with frida kahlo", "who painted with [name]"),  # an unlisted surname
    ("play mr blue sky", "play mr blue sky"),  # titles after a media verb
    ("play the film matilda on netflix", "play the film matilda on netflix"),
    ("play songs by adele", "play songs by [name]"),
    ("what's the weather near victoria", "what's the weather near victoria"),  # place cues
    ("flights to santiago next week", "flights to santiago next week"),
    ("text santiago that i'm running late", "text [name] that i'm running late"),
    ("navigate to lake tahoe", "navigate to lake tahoe"),
    ("what time is it in st petersburg", "what time is it in st petersburg"),
    ("is anyone free on friday", "is anyone free on friday"),  # pronouns, kinship words
    ("call nonna after lunch", "call nonna after lunch"),
    ("we ordered from domino's tonight", "we ordered from domino's tonight"),  # a brand
])
def test_names_against_titles_places_and_brands(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("remind me to take my ramipril at 8 am", "remind me to take my [health] at 8 am"),
    ("grandpa has parkinson's, add his madopar to the pill reminder",
     "grandpa has [health], add his [health] to the pill reminder"),  # the vendored list
    ("I need to reorder my antiretrovirals", "I need to reorder my [health]"),
    ("pick up mum's Zorvanex tablets", "pick up mum's [health]"),  # unknown + form
    ("Mr Osei takes tenofovir", "[name] takes [health]"),  # a title is someone
    ("write that bridget's dementia is worse", "write that [name]'s [health] is worse"),
    ("the carer gives Mr Jones his donepezil", "the carer gives [name] his [health]"),
    ("take two puffs of symbicort", "take two puffs of [health]"),  # an order to the user
    ("I'm on the pill", "I'm on [health]"),
    ("my mum uses an EpiPen for her bee sting allergy",
     "my mum uses an [health] for her [health]"),
    ("i've got an appointment about my ivf", "i've got an appointment about my [health]"),
    ("buy more hydrocortisone cream for my son", "buy more [health] for my son"),
])
def test_health_medicines_and_whose(text: str, expected: str) -> None:
    assert Redactor()(text) == expected


@pytest.mark.parametrize("text", [
    "give the cat her thyroid pill",  # the pet's
    "our labrador has arthritis",
    "how long does physio take after a knee replacement",  # no one's
    "this traffic is giving me a heart attack",
    "what are the side effects of ramipril",
    "remind me to buy paracetamol",
    "the pill box is in the kitchen",
    "the coordinates are 51.5074, -0.1278",
    "the lottery numbers were 4 11 23 35 42 49",
    "our labrador Max needs his flea treatment",
    "play Mr Brightside",
    "turn on the Philips Hue lights",
    "play Bohemian Rhapsody by Queen",
])
def test_not_health_nor_personal(text: str) -> None:
    assert Redactor()(text) == text


@pytest.mark.parametrize(("text", "expected"), [
    # Spelled values: letters, digit words and spoken symbols do not count as words.
    ("the wifi password is capital k k seven four river",
     "the wifi password is [secret]"),
    ("the admin password is admin dash kestrel dash forty two",
     "the admin password is [secret]"),
    ("the wifi password is b a n a n a 9 9", "the wifi password is [secret]"),
    ("the passcode is lowercase r, uppercase t, 5, 5", "the passcode is [secret]"),
    ("wi-fi password q w e r t y 1 2 3", "wi-fi password [secret]"),
    ("the password is P as in papa, x, 7, q", "the password is [secret]"),
    # A keypad's lead is not part of the digits.
    ("the front door code is star 5 5 2 1", "the front door code is star [secret]"),
    # Cues: "N digit code", a lock with a number, "opens with", a longer gap in one
    # sentence, a value before "for the gate", other languages.
    ("the three digit code is 5 0 3", "the three digit code is [secret]"),
    ("the padlock on the shed is 0 0 4 7", "the padlock on the shed is [secret]"),
    ("The key safe at the cottage opens with 0519",
     "The key safe at the cottage opens with [secret]"),
    ("the security code on the back of my card is seven oh nine",
     "the security code on the back of my card is [secret]"),
    ("use 4 4 7 1 for the front door", "use [secret] for the front door"),
    ("sunflower22 is the wifi password", "[secret] is the wifi password"),
    ("el código de la puerta es 1 2 0 8", "el código de la puerta es [secret]"),
    ("le mot de passe est soleil42", "le mot de passe est [secret]"),
    ("der Türcode ist 5 5 8 1", "der Türcode ist [secret]"),
    ("the security code is 3 digits, 8 1 4", "the security code is 3 digits, [secret]"),
])
def test_secrets_spelled_and_cued_by_principle(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize("text", [
    "my pin is locked after 3 tries", "the door code is changing next week",
    "it's 1500 for the garage door repair", "the gate is open", "the safe is 30 kilos",
    "the three digit code is on the back", "the padlock on the shed is broken",
    "the lock screen shows 3 notifications", "the code to the lockbox is in my email",
    "the alarm code is the same as before", "lock the door at 10 pm",
    "what's the square root of 1048576",
])
def test_what_locks_and_codes_say_without_a_secret(text: str) -> None:
    assert REDACT.spans(text) == ()


@pytest.mark.parametrize(("text", "expected"), [
    ("my HIV clinic appointment is on the 3rd", "my [health] clinic appointment is on the 3rd"),
    ("her mum's heart failure clinic moved", "her mum's [health] clinic moved"),
    ("remind me to take my PrEP", "remind me to take my [health]"),
    ("take my alendronic acid before breakfast", "take my [health] before breakfast"),
    ("meal prep for my son on sunday", "meal prep for my son on sunday"),
    ("the cancer clinic is on the high street", "the cancer clinic is on the high street"),
])
def test_owned_care_places_and_mixed_case_acronyms(text: str, expected: str) -> None:
    assert Redactor()(text) == expected


def test_a_failing_detector_withholds_the_whole_text_instead_of_leaking_or_raising(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import edge.privacy.redact as redact_module

    def broken(text: str, toks: object) -> list[object]:
        raise NameError("a bug in a detector")

    monkeypatch.setattr(redact_module, "DETECTORS", (*redact_module.DETECTORS, broken))
    redactor = redact_module.Redactor()
    with caplog.at_level("ERROR"):
        assert redactor("call John Smith on 555 123 4567") == redact_module.WITHHELD
    assert "redaction failed" in caplog.text
    with pytest.raises(NameError):  # the bench and `tandem redact` still see the bug
        redactor.redact("call John Smith")


@pytest.mark.parametrize(("text", "expected"), [
    ("navigate to twelve hundred pine street, philadelphia", "navigate to [address]"),
    ("the venue is 33 Nevsky Prospekt, St Petersburg", "the venue is [address]"),
    ("my postcode's cf10 1aa", "my postcode's [address]"),
    ("the care home is at 140 station road, harrow", "the care home is at [address]"),
    ("set work to 100 bishopsgate, london EC2N 4AG", "set work to [address]"),
    ("the shop is at 2 Ntemi Road, Dar es Salaam", "the shop is at [address]"),
    ("meet at 4 High Street, Newcastle upon Tyne tomorrow", "meet at [address] tomorrow"),
    ("it's 12 Elm Street, Leeds and the door is blue",
     "it's [address] and the door is blue"),
    ("it takes 12 minutes, leeds is close", "it takes 12 minutes, leeds is close"),
])
def test_spoken_hundreds_towns_with_particles_and_code_confirmed_streets(
        text: str, expected: str) -> None:
    assert Redactor()(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("who performed with freddie mercury at live aid", "who performed with [name] at live aid"),
    ("send a thank you to pania and hemi", "send a thank you to [name] and [name]"),
    ("write a card for yusra", "write a card for [name]"),
    ("the planet mercury is hot", "the planet mercury is hot"),
])
def test_world_given_names_and_a_public_figure_surname_that_is_a_word(
        text: str, expected: str) -> None:
    assert Redactor()(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a postcode after the town's own comma, lowercase
    ("post it to 9 cedar grove, york, yo10 3ab", "post it to [address]"),
    ("ship to flat 4, 18 mill lane, bath, ba1 2qq please", "ship to [address] please"),
    # lowercase streets of other languages, their number after or a direction after
    ("drive to 7 dorpstraat, utrecht", "drive to [address]"),
    ("she lives at 88 avenue laurier ouest, montreal, h2t 2n8", "she lives at [address]"),
    ("the hotel is at 12 jalan sultan ismail, kuala lumpur", "the hotel is at [address]"),
    ("the cottage is at 4 the green, grasmere", "the cottage is at [address]"),
    ("the zip for my brother's office is 60614", "the zip for my brother's office is [address]"),
    # a time before a place is no address, nor a five-digit count
    ("meet at 5 the park, bring a ball", "meet at 5 the park, bring a ball"),
    ("the zip code is not needed for 12345 orders",
     "the zip code is not needed for 12345 orders"),
])
def test_addresses_with_town_then_postcode_and_lowercase_foreign_streets(
        text: str, expected: str) -> None:
    assert Redactor()(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("who was chimamanda adichie", "who was [name]"),
    ("save 07700 900 123 as nkechi", "save [phone] as [name]"),
    ("send mei ling the slides", "send [name] the slides"),
    ("text gizmo, he's my cousin's friend", "text [name], he's my cousin's friend"),
    ("ring little tom about the van", "ring little [name] about the van"),
    ("ask mrs green about the parcel", "ask [name] about the parcel"),
    ("email ms thandeka nkosi today", "email [name] today"),
    ("hi it's nana june, call me back", "hi it's nana [name], call me back"),
    ("remind me that tunde's wife is visiting", "remind me that [name]'s wife is visiting"),
    ("stream some Nina Simone while I cook", "stream some [name] while I cook"),
    ("message Jo about the rota", "message [name] about the rota"),
    # no one: a question's verb, a file, a pronoun after kin, a pet's care
    ("who was born on 4 july 1990", "who was born on 4 july 1990"),
    ("who is calling me", "who is calling me"),
    ("save the file as pdf", "save the file as pdf"),
    ("send an email the usual way", "send an email the usual way"),
    ("call home, she's waiting", "call home, she's waiting"),
    ("hi grandma hope you're well", "hi grandma hope you're well"),
    ("give max his flea treatment tonight", "give max his flea treatment tonight"),
    ("read me the news from Al Jazeera", "read me the news from Al Jazeera"),
])
def test_name_frames_kin_titles_and_nicknames(text: str, expected: str) -> None:
    assert Redactor()(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("the club email is info at hollybank tennis dot org dot uk", "the club email is [email]"),
    ("use sam dot work at outlook dot com", "use [email]"),
    ("it's leo nineteen hundred and ninety at gmail dot com", "it's [email]"),
    ("the gate code for the bike shed is k7731b", "the gate code for the bike shed is [secret]"),
    ("the code for the bike shed is k7731b", "the code for the bike shed is [secret]"),
    ("the error code on the boiler is f28", "the error code on the boiler is f28"),
    ("the hotspot password is down by the river", "the hotspot password is [secret]"),
    ("the router key is 4HQ2-77TT-X9", "the router key is [secret]"),
    ("his birthday is the 2nd of march", "his birthday is [dob]"),
    ("tell everyone ada's birthday is on 3 may", "tell everyone [name]'s birthday is on [dob]"),
    ("my dad uses a cpap machine", "my dad uses a [health]"),
    ("remind me the gout clinic is on friday", "remind me the [health] clinic is on friday"),
    ("where is the nearest cancer clinic", "where is the nearest cancer clinic"),
    ("the population of lagos is about 15400000", "the population of lagos is about 15400000"),
    ("invoice 2023-417 is paid", "invoice 2023-417 is paid"),
    ("my number is nine eight seven six five four three two one zero", "my number is [phone]"),
    ("count down from nine eight seven six five four three two one zero",
     "count down from nine eight seven six five four three two one zero"),
])
def test_spoken_emails_mixed_codes_passphrases_and_statistics(text: str, expected: str) -> None:
    assert Redactor()(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # an anchor's parts before it: a flat, a plot, a house's name; before a postal code its
    # town, county and localities too
    ("send it to The Stables, Home Farm, Wadhurst, East Sussex TN5 6QJ", "send it to [address]"),
    ("the house is Glenview, Ballinasloe, Co. Galway H53 X2Y4", "the house is [address]"),
    ("the shop is Block B, 12 Allen Avenue, Ikeja, Lagos", "the shop is [address]"),
    ("the place is apartment 3b, rose court, 21 high street, oxford", "the place is [address]"),
    # a numbered unit that the parts after it make an address
    ("the office is at No. 14, 3rd Main, Jayanagar, Bangalore 560011",
     "the office is at [address]"),
    ("the address is House No. 56, Street 7, Sector F-8/3, Islamabad 44000",
     "the address is [address]"),
    ("we live at C-23, Greater Kailash, New Delhi 110048", "we live at [address]"),
    ("mail it to RR 3, Site 12, Box 7, Red Deer, Alberta", "mail it to [address]"),
    ("my address is Apt 5B, 220 Riverside Drive, New York, NY 10025", "my address is [address]"),
    # after the anchor: a PO box's town, a floor and door, a building's name going on
    ("send it to PO Box 2231, Kampala", "send it to [address]"),
    ("the flat is Calle de Atocha 27, 3º derecha, Madrid", "the flat is [address]"),
    ("my sister's at Flat 12, Sea View Towers, Marine Drive, Mumbai 400020",
     "my sister's at [address]"),
    # streets whose number comes after, with a floor or a postal code in two parts
    ("go to Prinsengracht 263-1, 1016 GV Amsterdam", "go to [address]"),
    ("we're at Drottninggatan 45, 111 21 Stockholm", "we're at [address]"),
    ("the kids are at Rosenweg 4b after school", "the kids are at [address] after school"),
    ("i moved to Laugavegur 55, Reykjavik", "i moved to [address]"),
    ("send a card to Ada Obi, 12 Kingsway, Ikeja, Lagos", "send a card to [name], [address]"),
    ("our place is 15 Jalan Ampang, 50450 Kuala Lumpur", "our place is [address]"),
    # near misses: a unit with no address after it, a gate, a score, a perfume, a street
    ("the gate is B-12, terminal 2", "the gate is B-12, terminal 2"),
    ("flat 3, the one upstairs, is empty", "flat 3, the one upstairs, is empty"),
    ("room 4, level 2 has the printer", "room 4, level 2 has the printer"),
    ("block C, next to the gym, has the lockers", "block C, next to the gym, has the lockers"),
    ("the score was 3 Chelsea, Everton 1", "the score was 3 Chelsea, Everton 1"),
    ("add Chanel No. 5 to my wishlist", "add Chanel No. 5 to my wishlist"),
    ("the 4th floor, left, is where the party is", "the 4th floor, left, is where the party is"),
    ("set the timer for 52-2 minutes", "set the timer for 52-2 minutes"),
    ("the subway, the railway and the bus are late",
     "the subway, the railway and the bus are late"),
    ("the train leaves from platform 9, King's Cross",
     "the train leaves from platform 9, King's Cross"),
    ("is Via Roma a pedestrian street", "is Via Roma a pedestrian street"),
])
def test_an_address_is_its_anchor_and_the_parts_around_it(text: str, expected: str) -> None:
    assert Redactor()(text) == expected


def test_a_house_number_and_postal_code_are_no_phone_number() -> None:
    assert kinds("the order's for Storgatan 12, 114 51 Stockholm") == ["address"]
    assert kinds("deliver to Apt 1203, 800 Brickell Avenue, Miami, FL 33131") == ["address"]


@pytest.mark.parametrize(("text", "expected"), [
    ("the hotel safe is set to 9 1 3 5", "the hotel safe is set to [secret]"),
    ("the alarm code changed to five oh five oh", "the alarm code changed to [secret]"),
    ("my pin has been changed to 4490", "my pin has been changed to [secret]"),
    ("the answer to my security question is Bramble",
     "the answer to my security question is [secret]"),
    # set to something that is no value; a question that is not a security one; which
    # locker, not its code
    ("the door code is set to expire", "the door code is set to expire"),
    ("the safe is set to lock at night", "the safe is set to lock at night"),
    ("the answer to my question is no", "the answer to my question is no"),
    ("remember the locker number is 118", "remember the locker number is 118"),
])
def test_secrets_set_or_changed_to_a_value_and_security_answers(
        text: str, expected: str) -> None:
    assert Redactor()(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("add Harry Potter to my watchlist", "add Harry Potter to my watchlist"),
    ("add Mr Muscle kitchen spray to the shopping list",
     "add Mr Muscle kitchen spray to the shopping list"),
    ("order more Dr. Oetker pizzas", "order more Dr. Oetker pizzas"),
    # a person added to a chat or a group is still a person
    ("add Hannah Jones to the grocery chat", "add [name] to the grocery chat"),
    ("add Sarah Jones to my contacts", "add [name] to my contacts"),
])
def test_products_and_titles_put_on_a_list_are_no_names(text: str, expected: str) -> None:
    assert Redactor()(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Amelia arrived on the 28th of October 2023 weighing seven pounds",
     "[name] arrived on [dob] weighing seven pounds"),
    ("my brother was born on St David's Day 1979", "my brother was born on [dob]"),
    ("she was born on New Year's Day 1971", "she was born on [dob]"),
    # a parcel's weight and arrival; a holiday's date that is no one's birth
    ("our parcel arrived on the 3rd of May, 2 kilos",
     "our parcel arrived on the 3rd of May, 2 kilos"),
    ("we're having Easter lunch on the 20th of April",
     "we're having Easter lunch on the 20th of April"),
])
def test_a_newborns_weight_and_saints_days_as_birth_dates(text: str, expected: str) -> None:
    assert Redactor()(text) == expected
