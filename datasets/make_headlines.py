"""Writes headlines.csv: 480 short made-up news headlines in four topics,
for the text demo and tests. Needs only the Python standard library; the
seed makes it reproducible:
    python datasets/make_headlines.py
Each headline fills a topic's template with the topic's words, plus words
every topic shares; one in twenty borrows a word from another topic, so
the topics overlap a little as real ones do.
"""
import csv
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))

SHARED = ["new", "record", "late", "early", "major", "surprise", "local", "national",
          "after", "before", "week", "season", "report", "plan", "talks", "fans"]
TOPICS = {
    "sport": {
        "templates": [
            "{a} {n} {v} {b} in {x} {m}",
            "{a} striker {v} as {b} {x} the {m}",
            "{m}: {a} {n} {v} {b} after {x} comeback",
            "coach says {a} {n} can {v} {b} this {x}",
        ],
        "a": ["United", "City", "Rovers", "the Lions", "the Eagles", "Athletic"],
        "b": ["rivals", "the champions", "the leaders", "a ten-man side", "the visitors"],
        "n": ["squad", "keeper", "captain", "midfield", "defence"],
        "v": ["beat", "thrash", "edge past", "draw with", "lose to"],
        "m": ["cup final", "derby", "league match", "semi-final", "title race"],
        "x": ["stoppage-time", "penalty", "extra-time", "home", "away"],
    },
    "business": {
        "templates": [
            "{a} {n} {v} as {b} {x} {m}",
            "{a} shares {v} after {b} {m}",
            "{m}: {a} {n} {v} on {x} demand",
            "investors fear {a} {n} will {v} {b}",
        ],
        "a": ["Acme", "Globex", "the bank", "the retailer", "the carmaker", "Initech"],
        "b": ["profits", "the central bank", "inflation", "quarterly sales", "the merger"],
        "n": ["stock", "revenue", "bonds", "dividend", "takeover bid"],
        "v": ["slump", "rally", "climb", "tumble", "hold steady"],
        "m": ["earnings", "interest rates", "market close", "trade figures", "budget"],
        "x": ["weak", "strong", "export", "consumer", "investor"],
    },
    "science": {
        "templates": [
            "{a} {n} {v} {b} in {x} {m}",
            "researchers {v} {b} using {a} {n}",
            "{m}: {a} {n} {v} {x} {b}",
            "study finds {a} {n} may {v} {b}",
        ],
        "a": ["telescope", "the lab", "a probe", "gene", "the rover", "quantum"],
        "b": ["a distant planet", "ancient bacteria", "dark matter", "a new species",
              "protein folding"],
        "n": ["experiment", "sensor", "molecule", "particle", "vaccine trial"],
        "v": ["detect", "map", "reveal", "measure", "sequence"],
        "m": ["journal", "physics", "astronomy", "biology", "climate model"],
        "x": ["deep-sea", "orbital", "microscopic", "fossil", "laboratory"],
    },
    "weather": {
        "templates": [
            "{a} {n} {v} {b} with {x} {m}",
            "forecasters warn {a} {n} will {v} {b}",
            "{m}: {x} {n} {v} {b}",
            "{a} {n} brings {x} {m} to {b}",
        ],
        "a": ["storm", "the heatwave", "a cold front", "the monsoon", "a blizzard",
              "thunder"],
        "b": ["the coast", "northern towns", "the valley", "the capital", "farmland"],
        "n": ["rain", "gale", "flooding", "snowfall", "frost"],
        "v": ["batter", "sweep across", "lash", "drench", "grip"],
        "m": ["warnings", "temperatures", "gusts", "showers", "forecast"],
        "x": ["heavy", "freezing", "scorching", "torrential", "icy"],
    },
}


def headline(rng, topic):
    words = TOPICS[topic]
    fill = {slot: rng.choice(words[slot]) for slot in "abnvmx"}
    if rng.random() < 0.05:
        other = rng.choice([t for t in TOPICS if t != topic])
        slot = rng.choice("abm")
        fill[slot] = rng.choice(TOPICS[other][slot])
    text = rng.choice(words["templates"]).format(**fill)
    if rng.random() < 0.6:
        text = f"{rng.choice(SHARED)} {text}" if rng.random() < 0.5 else f"{text}, {rng.choice(SHARED)} {rng.choice(SHARED)}"
    return text[0].upper() + text[1:]


def main():
    rng = random.Random(17)
    rows = [(topic, headline(rng, topic)) for topic in TOPICS for _ in range(120)]
    rng.shuffle(rows)
    with open(os.path.join(HERE, "headlines.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "headline", "topic"])
        for i, (topic, text) in enumerate(rows, start=1):
            w.writerow([f"h{i:03d}", text, topic])


if __name__ == "__main__":
    main()
