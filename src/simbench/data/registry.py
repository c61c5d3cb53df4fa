"""The registry of the 20 SimBench source studies.

Each study has one slug, used everywhere as its key: the ``datasets`` config name, the converter file
name in ``loading_scripts/`` and the value of :attr:`simbench.Item.study`.

Examples
--------
>>> from simbench.data.registry import get_study
>>> get_study("moral_machine").dataset_name
'MoralMachine'
>>> dict(get_study("MoralMachine").rows), get_study("ess").splits
({'pop': 500}, ('pop', 'grouped'))
>>> study_slug("OSPsychBig5"), [s.slug for s in STUDIES][:3]
('osp_big5', ['afrobarometer', 'chaos_nli', 'choices13k'])
>>> get_study("moral machine")
Traceback (most recent call last):
    ...
KeyError: "unknown study 'moral machine'..."
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["SPLITS", "STUDIES", "Study", "get_study", "study_slug"]

#: The two SimBench splits, in their canonical order.
SPLITS: tuple[str, ...] = ("pop", "grouped")


@dataclass(frozen=True)
class Study:
    """One source study of SimBench.

    Attributes:
        slug: config name and registry key, e.g. ``"moral_machine"``.
        dataset_name: the release spelling of ``dataset_name``, e.g. ``"MoralMachine"``.
        title: human-readable title of the source.
        task_type: kind of task (survey, economic game, moral dilemma, ...).
        population: who answered.
        citation: short citation of the source study.
        license: license of the source data as far as it is known.
        rows: number of rows per split in the official release.
    """

    slug: str
    dataset_name: str
    title: str
    task_type: str
    population: str
    citation: str
    license: str
    rows: Mapping[str, int] = field(default_factory=dict)

    @property
    def splits(self) -> tuple[str, ...]:
        """The splits this study appears in, in canonical order."""
        return tuple(s for s in SPLITS if s in self.rows)


def _s(slug: str, name: str, title: str, task: str, who: str, cite: str, lic: str, **rows: int) -> Study:
    return Study(slug, name, title, task, who, cite, lic, MappingProxyType(dict(rows)))


_SURVEY = "opinion survey"
STUDIES: tuple[Study, ...] = (
    _s("afrobarometer", "Afrobarometer", "Afrobarometer Round 9", _SURVEY,
       "adults in African countries", "Afrobarometer (2023)", "free for research with attribution",
       pop=500, grouped=1531),
    _s("chaos_nli", "ChaosNLI", "ChaosNLI: collective human opinions on NLI", "natural language inference",
       "crowd workers (100 per item)", "Nie, Zhou & Bansal (EMNLP 2020)", "CC BY-NC 4.0", pop=500),
    _s("choices13k", "Choices13k", "choices13k: risky choices between gambles", "economic decision",
       "Amazon Mechanical Turk workers (US)", "Peterson et al. (Science 2021)",
       "public, no license granted", pop=500),
    _s("conspiracy_corr", "ConspiracyCorr", "Conspiracy beliefs and their correlates",
       "belief survey", "respondents in many countries", "Imhoff et al. (2022)", "CC BY 4.0", pop=45),
    _s("dices", "DICES", "DICES: diversity in conversational AI safety", "safety rating",
       "raters from US and India pools", "Aroyo et al. (NeurIPS 2023)", "CC BY 4.0", pop=500),
    _s("ess", "ESS", "European Social Survey rounds 8 and 9", _SURVEY, "adults in European countries",
       "European Social Survey ERIC", "free for non-commercial use", pop=500, grouped=1643),
    _s("global_opinion_qa", "GlobalOpinionQA", "GlobalOpinionQA (Pew Global Attitudes, WVS)", _SURVEY,
       "adults in many countries", "Durmus et al. (2023)", "CC BY-NC-SA 4.0", pop=500),
    _s("issp", "ISSP", "International Social Survey Programme", _SURVEY, "adults in member countries",
       "ISSP Research Group", "free for non-commercial use", pop=500, grouped=940),
    _s("jester", "Jester", "Jester joke ratings", "humour rating", "users of the Jester recommender",
       "Goldberg et al. (2001)", "free for research", pop=136),
    _s("latino_barometro", "LatinoBarometro", "Latinobarómetro", _SURVEY,
       "adults in Latin American countries", "Corporación Latinobarómetro", "free for research",
       pop=500, grouped=1245),
    _s("moral_machine", "MoralMachine", "Moral Machine (full-featured dilemmas)", "moral dilemma",
       "visitors of moralmachine.mit.edu by country", "Awad et al. (Nature 2018)", "CC BY 4.0", pop=500),
    _s("moral_machine_classic", "MoralMachineClassic", "Moral Machine classic trolley dilemmas",
       "moral dilemma", "visitors of moralmachine.mit.edu by country", "Awad et al. (PNAS 2020)",
       "CC BY 4.0", pop=15),
    _s("number_game", "NumberGame", "The number game (concept learning)", "concept generalisation",
       "online participants", "Bigelow & Piantadosi (2016)", "CC BY 4.0", pop=500),
    _s("osp_big5", "OSPsychBig5", "Open-Source Psychometrics: Big Five (IPIP)", "personality scale",
       "users of openpsychometrics.org by country", "openpsychometrics.org (2014)",
       "research use (Creative Commons)", pop=250),
    _s("osp_mach", "OSPsychMACH", "Open-Source Psychometrics: MACH-IV", "personality scale",
       "users of openpsychometrics.org by country", "openpsychometrics.org",
       "research use (Creative Commons)", pop=100),
    _s("osp_mgkt", "OSPsychMGKT", "Open-Source Psychometrics: multifactor general knowledge test",
       "knowledge test", "users of openpsychometrics.org by country", "openpsychometrics.org",
       "research use (Creative Commons)", pop=500),
    _s("osp_rwas", "OSPsychRWAS", "Open-Source Psychometrics: right-wing authoritarianism scale",
       "attitude scale", "users of openpsychometrics.org", "openpsychometrics.org (2016)",
       "research use (Creative Commons)", pop=22),
    _s("opinion_qa", "OpinionQA", "OpinionQA (Pew American Trends Panel)", _SURVEY, "US adults",
       "Santurkar et al. (ICML 2023)", "Pew terms of use (research)", pop=500, grouped=984),
    _s("tisp", "TISP", "Trust in science and science-related populism (TISP)", "attitude survey",
       "adults in 68 countries", "Cologna et al. (2025)", "CC BY 4.0", pop=485),
    _s("wisdom_of_crowds", "WisdomOfCrowds", "Studying the wisdom of crowds at scale", "judgment task",
       "Amazon Mechanical Turk workers (US)", "Simoiu et al. (HCOMP 2019)", "MIT", pop=114),
)

_BY_KEY: dict[str, Study] = {}
for _st in STUDIES:
    _BY_KEY[_st.slug] = _st
    _BY_KEY[_st.dataset_name] = _st


def get_study(key: str) -> Study:
    """Return a study by slug (``"moral_machine"``) or release name (``"MoralMachine"``).

    Raises:
        KeyError: with the list of known slugs when ``key`` names no study.
    """
    try:
        return _BY_KEY[key]
    except KeyError:
        known = ", ".join(s.slug for s in STUDIES)
        raise KeyError(f"unknown study {key!r}{_did_you_mean(key)}; known slugs: {known}") from None


def _did_you_mean(key: str) -> str:
    """``" (did you mean 'slug'?)"`` for the study whose slug or release name is closest to ``key``."""
    import difflib

    by_lower = {k.lower(): st.slug for k, st in _BY_KEY.items()}
    close = difflib.get_close_matches(str(key).lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean {by_lower[close[0]]!r}?)" if close else ""


def study_slug(dataset_name: str) -> str:
    """Map a release ``dataset_name`` (or a slug) to the study slug."""
    return get_study(dataset_name).slug
