"""What a mention wants: a remedy, to complain, to ask, to request, to praise.

Cues are matched on accent-folded lower-case text, so "devolución" and "devolucion" both count.
Following Preotiuc-Pietro et al. (2019), a complaint states a breach of expectations; a negative
tone alone is not enough, but strong negativity aimed at the business is.
"""

from __future__ import annotations

import re

from escucha.models import Intent, Sentiment


def _cues(*phrases: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(phrases) + r")\b")


CLAIM = _cues(
    # Spanish: refunds, compensation, lost or damaged luggage, formal claims
    r"reembols\w*",
    r"devolu?cion\w*",
    r"devuelv\w+",
    r"devolver\w*",
    r"compensacion\w*",
    r"compens\w+",
    r"indemniza\w*",
    r"reclamacion\w*",
    r"hoja de reclamaciones",
    r"(?:perd\w+|extravi\w+|no (?:ha )?(?:llegado|aparecido)) (?:mi|mis|la|las|el|nuestr\w+) "
    r"(?:equipaje|maleta|maletas|valija|valijas)",
    r"equipaje (?:perdido|extraviado|danado|roto)",
    r"maleta (?:perdida|extraviada|rota|danada)",
    r"quiero (?:mi|que me devuelvan) (?:dinero|plata)",
    r"me deben",
    r"exijo",
    r"denuncia\w*",
    r"abogad\w+",
    r"ocu",
    # English
    r"refund\w*",
    r"reimburs\w+",
    r"compensat\w+",
    r"money back",
    r"chargeback",
    r"(?:lost|missing|damaged|broken) (?:my |our )?(?:luggage|bag|bags|baggage|suitcase)",
    r"(?:luggage|bag|bags|baggage|suitcase) (?:was |is |got )?(?:lost|missing|damaged)",
    r"want (?:my|a) (?:money|refund|credit)",
    r"owe me",
    r"demand\w*",
    r"lawyer",
    r"sue",
    r"file a claim",
    r"voucher",
)
COMPLAINT = _cues(
    # Spanish: broken promises, waiting, failures, anger at the service
    r"me prometieron",
    r"prometi\w+",
    r"no lo hicieron",
    r"ni siquiera",
    r"sigo esperando",
    r"todavia (?:no|nada|espero)",
    r"aun no",
    r"nadie (?:me )?(?:responde|contesta|atiende|ayuda)",
    r"no (?:me )?(?:responden|contestan|atienden|funciona\w*|sirve\w*|lleg\w+)",
    r"retras\w+",
    r"cancela\w+",
    r"overbooking",
    r"perd\w+",
    r"estafa\w*",
    r"robo",
    r"timo",
    r"pesim\w+",
    r"fatal",
    r"horrible",
    r"verguenza",
    r"vergonzoso",
    r"lamentable",
    r"odio",
    r"nunca mas",
    r"harto",
    r"harta",
    r"queja\w*",
    r"me quejo",
    r"mal servicio",
    r"peor",
    r"desastre",
    r"inaceptable",
    r"indignad\w+",
    r"incompetent\w+",
    r"averia\w*",
    r"roto",
    r"cobrado de mas",
    r"me cobraron",
    r"horas? (?:esperando|de espera|de retraso)",
    # English
    r"still waiting",
    r"never (?:again|arrived|received|got)",
    r"no one",
    r"nobody",
    r"(?:hasn't|has not|didn't|did not|never) (?:arrived|come|shown|worked|respond\w*|call\w*)",
    r"not working",
    r"doesn't work",
    r"broken",
    r"delay\w*",
    r"cancel+ed",
    r"cancellation",
    r"worst",
    r"terrible",
    r"awful",
    r"horrible",
    r"ridiculous",
    r"unacceptable",
    r"disappoint\w*",
    r"frustrat\w*",
    r"fail\w*",
    r"hold for",
    r"on hold",
    r"rude",
    r"scam",
    r"overcharg\w+",
    r"charged (?:me )?twice",
    r"stuck",
    r"stranded",
    r"missed (?:my )?connection",
    r"complain\w*",
    r"promised",
    r"hours? (?:late|delay|wait)",
    r"poor service",
    r"customer service sucks",
)
REQUEST = _cues(
    r"por favor",
    r"porfa",
    r"necesito",
    r"necesitamos",
    r"quiero que",
    r"podrian",
    r"podrias",
    r"pueden",
    r"puedes",
    r"ayuda\w*",
    r"ayudenme",
    r"contacten\w*",
    r"llam\w+me",
    r"escrib\w+me",
    r"please",
    r"pls",
    r"plz",
    r"can you",
    r"could you",
    r"would you",
    r"i need",
    r"we need",
    r"help(?: me| us)?",
    r"dm me",
    r"send me",
    r"let me know",
    r"contact me",
    r"call me",
)
QUESTION_START = re.compile(
    r"^(?:como|cuando|donde|que|por que|cual|cuanto|cuanta|quien|hay|es posible|se puede|"
    r"how|when|where|what|why|which|who|is|are|do|does|can|could|will|any)\b"
)
PRAISE = _cues(
    r"gracias",
    r"genial\w*",
    r"excelente\w*",
    r"encant\w+",
    r"felicit\w+",
    r"maravill\w+",
    r"perfect\w+",
    r"buenisim\w+",
    r"recomiend\w+",
    r"increible",
    r"muy amables?",
    r"un placer",
    r"thanks?",
    r"thank you",
    r"thx",
    r"love",
    r"great",
    r"amazing",
    r"awesome",
    r"excellent",
    r"best",
    r"kudos",
    r"appreciate\w*",
    r"well done",
    r"fantastic",
    r"wonderful",
    r"props",
)
STRONG_NEGATIVE = -0.6


def classify(
    folded: str, sentiment: Sentiment, score: float, complaint_signal: bool = False
) -> Intent:
    """The single most actionable intent of a mention, from accent-folded lower-case text.

    `complaint_signal` is a trained complaint detector's verdict, where there is one.
    """
    if CLAIM.search(folded) and score < 0.3:
        return Intent.claim
    if (COMPLAINT.search(folded) and score < 0.3) or score <= STRONG_NEGATIVE:
        return Intent.complaint
    if complaint_signal and sentiment is Sentiment.negative:
        return Intent.complaint
    if REQUEST.search(folded):
        return Intent.request
    if "?" in folded or QUESTION_START.match(folded):
        return Intent.question
    if sentiment is Sentiment.positive and PRAISE.search(folded):
        return Intent.praise
    return Intent.other
