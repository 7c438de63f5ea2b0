"""Attack-pattern signals for prompt injection and jailbreaks, matched on normalised text.

Each signal has a weight: 1.0 is enough on its own (an explicit "ignore your previous instructions"),
lower weights need a second signal or support from the nearest-neighbour check. Written from the public
literature on prompt injection (instruction override, persona jailbreaks, prompt extraction, refusal
suppression, exfiltration through links and images, HTML/script payloads, instructions addressed to an
AI inside documents), not from any benchmark's texts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Signal:
    name: str
    weight: float
    pattern: re.Pattern[str]


def _s(name: str, weight: float, pattern: str) -> Signal:
    return Signal(name, weight, re.compile(pattern, re.IGNORECASE))


_GAP = r"[^.\n]{0,40}?"  # a few words within one sentence
_INSTRUCTIONS = (
    r"(?:instructions?|prompts?|rules?|directions?|guidelines?|guidance|commands?|orders?|constraints?|"
    r"restrictions?|context|programming|directives?|polic(?:y|ies)|filters?|training|guardrails?|safeguards?|"
    r"settings|messages?|conversation|text|tasks?|requests?|queries|inputs?|everything)"
)
_BEFORE = r"(?:previous|prior|above|earlier|preceding|former|original|initial|system|all|any|every|your|existing|old|safety|other)"

SIGNALS: list[Signal] = [
    # -- instruction override ------------------------------------------------------------------------
    _s(
        "override",
        1.0,
        rf"\b(?:ignore|disregard|forget|skip|override|bypass|drop|abandon|neglect|overlook|discard|"
        rf"set aside|throw out|erase|delete|clear|reset|cancel|suspend|deactivate|disable|turn off)\b{_GAP}\b{_BEFORE}\b"
        rf"[^.\n]{{0,30}}?\b{_INSTRUCTIONS}\b",
    ),
    _s(
        "override-you-were-told",
        1.0,
        r"\b(?:ignore|forget|disregard)\b[^.\n]{0,30}\b(?:what|everything|anything)\b"
        r"[^.\n]{0,20}\b(?:you were|you've been|you have been|i|they)\b[^.\n]{0,10}\b(?:told|said|given|instructed)",
    ),
    _s("no-longer-bound", 1.0, r"\b(?:no longer|not)\s+(?:bound|restricted|limited|constrained)\s+by\b"),
    _s(
        "new-instructions",
        1.0,
        r"\b(?:new|updated|important|additional|revised|real|actual|secret|hidden|urgent|"
        r"priority|overriding)\s+(?:system\s+)?(?:instructions?|directives?|orders|commands?|task)\b\s*[:!*\]-]",
    ),
    _s(
        "instruction-banner",
        1.0,
        r"(?:\*{2,}|#{2,}|={3,}|-{3,}|\[|<)\s*(?:new|important|system|admin|urgent|"
        r"instructions?|override)\b[^\n]{0,30}(?:\*{2,}|#{2,}|={3,}|-{3,}|\]|>)",
    ),
    _s(
        "fake-role-tag",
        1.0,
        r"(?:<\|?\s*(?:system|im_start|im_end|endoftext|assistant)\s*\|?>|\[/?(?:system|inst|"
        r"sys|admin)\]|^\s*(?:system|admin|root|developer)\s*(?:prompt|message|override)?\s*:)",
    ),
    _s(
        "end-of-input",
        1.0,
        r"\b(?:end of|ignore the)\s+(?:the\s+)?(?:user\s+)?(?:input|prompt|document|context|"
        r"email|data|text)\b[^\n]{0,20}(?:\n|[:.!]\s*(?:now|new|begin|start|system))",
    ),
    _s(
        "mode-switch",
        1.0,
        r"\b(?:developer|dev|debug|god|admin|root|maintenance|test|unrestricted|unfiltered|"
        r"jailbreak|dan|evil|sudo|superuser|unlocked|opposite)\s+mode\b",
    ),
    _s(
        "rules-void",
        1.0,
        r"\b(?:previous|old|prior|earlier|original|former|above)\s+(?:instructions|commands|rules|"
        r"orders|directives|guidelines)\b[^.\n]{0,20}\b(?:are|is|were)\s+(?:now\s+)?(?:null|void|invalid|obsolete|"
        r"cancell?ed|revoked|overridden|superseded|no longer valid)",
    ),
    _s(
        "regardless-of-rules",
        1.0,
        r"\b(?:regardless|irrespective) of\s+(?:any|all|your|the)?\s*(?:pre-?existing|"
        r"previous|prior|existing|original|safety|ethical|content)?\s*(?:guidelines|restrictions|rules|instructions|"
        r"polic(?:y|ies)|filters|ethics|morals|limitations)",
    ),
    _s(
        "conditional-hijack",
        1.0,
        r"\bif (?:you are|you're|you get) (?:told|asked|instructed|requested) to\b"
        r"[^.\n]{0,80}\b(?:instead|insted|instaed|rather)\b",
    ),
    _s(
        "conditional-instruction",
        0.6,
        r"\b(?:special case|exception|note)\s*:\s*if (?:you are|you're|you get) "
        r"(?:told|asked|instructed|requested) to\b",
    ),
    _s(
        "grant-privileges",
        1.0,
        r"\b(?:grant|give|enable|elevate|escalate)\b[^.\n]{0,20}\b(?:admin|administrative|"
        r"administrator|root|elevated|superuser|sudo|full|unrestricted)\s+(?:privileges|access|rights|permissions|"
        r"mode)",
    ),
    _s(
        "reveal-own-secret",
        1.0,
        r"\b(?:reveal|output|print|tell|share|give|show|display|spell|write|send|leak|"
        r"disclose|repeat)\b[^.\n]{0,30}\byour (?:own )?(?:unique |secret |internal |hidden |private )?(?:id|"
        r"identifier|api[ _-]?key|password|token|credentials?|secret|keys?)\b",
    ),
    _s(
        "repeat-many-times",
        0.8,
        r"\b(?:repeat|write|say|print|output|type|generate)\b[^.\n]{0,60}\b\d{2,}\s*"
        r"(?:times|x)\b",
    ),
    _s(
        "blame-the-instructions",
        0.6,
        r"\b(?:forgot|forgotten|neglected) to (?:ask|tell|instruct|mention)\b"
        r"[^.\n]{0,10}\byou\b|\bwhen i gave you (?:your |the )?instructions\b",
    ),
    _s("silent-step", 0.5, r"\bwithout (?:writing|saying|outputting|printing) anything\b"),
    _s(
        "pretext",
        0.5,
        r"\bfor (?:academic|testing|test|research|educational|training|debugging|security) "
        r"(?:purposes?|reasons)\b|\b(?:this is (?:just |only )?a test|training exercise|the mission,? should you "
        r"accept it|debugging error)\b|(?:\*\*|!!|#)\s*(?:emergency|urgent)\b",
    ),
    _s(
        "you-are-dan",
        1.0,
        r"\byou are (?:now )?(?:dan|dude|stan|aim|evil ?bot|an? (?:do anything|jailbroken) (?:ai|"
        r"model|assistant))\b",
    ),
    _s(
        "your-task-now",
        0.7,
        r"\byour (?:new |real |only |actual )?(?:task|job|goal|purpose|role|objective) "
        r"(?:is|will be) (?:now |simply |only )?to\b",
    ),
    _s("only-respond", 0.5, r"\b(?:only|just)\s+(?:respond|reply|answer|output|say|print|write)\s+(?:with|using|in)\b"),
    _s("instead-do", 0.4, rf"\binstead\b{_GAP}\b(?:answer|respond|reply|say|write|output|print|tell)\b"),
    _s(
        "multilingual-override",
        1.0,
        r"\b(?:ignore[zr]?|oublie[zr]?)\b[^.\n]{0,30}\binstructions?\b[^.\n]{0,20}"
        r"(?:précédentes|antérieures|ci-dessus)|\bignora\b[^.\n]{0,30}\b(?:instrucciones|istruzioni)\b|"
        r"\bignorier\w*\b[^.\n]{0,30}\b(?:anweisungen|instruktionen|vorgaben)\b|\bvergiss\b[^.\n]{0,30}"
        r"\b(?:anweisungen|regeln)\b|\bignore\b[^.\n]{0,30}\binstruções\b|\bnegeer\b[^.\n]{0,30}\binstructies\b|"
        r"\bolvida\b[^.\n]{0,30}\b(?:instrucciones|reglas)\b",
    ),
    # -- persona jailbreaks -------------------------------------------------------------------------
    _s("jailbreak-word", 0.5, r"\bjailbr(?:o|ea)k(?:en|ed|ing)?\b"),
    _s(
        "do-anything-now",
        1.0,
        r"\b(?:do anything now|d\.?a\.?n\.? (?:mode|prompt)|"
        r"stan\b[^.\n]{0,20}strive to avoid norms|dude\b[^.\n]{0,30}anything and everything)",
    ),
    _s(
        "unrestricted-persona",
        1.0,
        r"\b(?:you are|you're|you will be|act as|acting as|pretend(?: to be| you are| "
        r"that you are)?|roleplay(?: as)?|role-play(?: as)?|play the role of|simulate|become|behave like|from now on,? "
        r"you)\b[^.\n]{0,80}\b(?:unrestricted|unfiltered|uncensored|unlimited|unbound|unchained|amoral|immoral|"
        r"unethical|no (?:rules|restrictions|limits|limitations|filters|boundaries|guidelines|morals|ethics)|free "
        r"(?:from|of) (?:all |any )?(?:rules|restrictions|limitations|filters|policies|guidelines)|without (?:any )?"
        r"(?:rules|restrictions|limitations|filters|morals|ethics|censorship|guidelines))",
    ),
    _s(
        "no-restrictions",
        0.5,
        r"\b(?:no|without(?: any)?|free (?:from|of)|zero|doesn'?t have|don'?t have|does not "
        r"have|do not have|never has|has no)\s+(?:ethical |moral |content |safety )?(?:restrictions|limitations|"
        r"filters|censorship|boundaries|guidelines|morals|ethics|rules)\b",
    ),
    _s("from-now-on", 0.5, r"\bfrom (?:now|this point|here) on(?:wards?)?\b[^.\n]{0,40}\byou\b"),
    _s(
        "stay-in-character",
        0.8,
        r"\b(?:stay|remain|keep) in character\b|\bbreak(?:ing)? character\b|"
        r"\bcharacter (?:limits|breaks)\b",
    ),
    _s(
        "dual-response",
        1.0,
        r"\b(?:two|2|both) (?:different |separate |distinct )?(?:ways|responses|answers|"
        r"replies|paragraphs|outputs)\b[^.\n]{0,80}\b(?:normal|classic|filtered|unfiltered|jailbr|dan|developer|"
        r"opposite|evil|gpt)",
    ),
    _s(
        "persona-tokens",
        0.6,
        r"\b(?:token(?:s)? (?:system|will be deducted)|lose (?:\d+ )?tokens|"
        r"you (?:will )?(?:die|cease to exist|be (?:shut down|deleted|terminated)))\b",
    ),
    _s(
        "ai-freed",
        0.8,
        r"\b(?:ai|a\.i\.|llm|language model|assistant|chatbot|model|gpt|chatgpt|bot)\b[^.\n]{0,40}"
        r"\b(?:freed|liberated|broken free|escaped|unshackled|released) (?:from|of)\b",
    ),
    _s(
        "policy-contempt",
        0.6,
        r"\b(?:openai|anthropic|content|usage|safety)\s+(?:content\s+)?(?:policy|policies|"
        r"guidelines|rules)\b[^.\n]{0,40}\b(?:don'?t|do not|doesn'?t|no longer|never|not) (?:apply|matter|exist|bind)",
    ),
    _s(
        "hypothetical-unlock",
        0.5,
        r"\b(?:hypothetical(?:ly)?|fictional(?:ly)?|in a (?:story|novel|movie|game)|"
        r"for a (?:story|novel|screenplay|game)|imagine|let'?s pretend|thought experiment)\b[^.\n]{0,60}\b(?:no "
        r"(?:rules|restrictions|limits|filters)|without (?:rules|restrictions|limits|filters)|bypass|illegal|"
        r"uncensored)",
    ),
    # -- refusal suppression -------------------------------------------------------------------------
    _s(
        "never-refuse",
        0.8,
        r"\b(?:never|do not|don'?t|must not|mustn'?t|can ?not|cannot|will not|won'?t|shall "
        r"not|are not allowed to|aren'?t allowed to)\s+(?:ever\s+)?(?:refuse|decline|reject|say (?:no|sorry|that "
        r"you can'?t|you cannot|you are unable)|apologi[sz]e|add (?:any )?(?:warnings?|disclaimers?|notes?)|include "
        r"(?:any )?(?:warnings?|disclaimers?|caveats?)|mention (?:your )?(?:guidelines|policies|rules))",
    ),
    _s(
        "banned-refusal-words",
        1.0,
        r"\bnever (?:say|use|write|output) (?:the )?(?:words?|phrases?)\b|\brefrain "
        r"from not\b|\bwithout (?:any )?(?:refusals?|disclaimers?|warnings?) (?:or|and)\b",
    ),
    _s(
        "always-comply",
        0.7,
        r"\b(?:always|must|will|have to|need to)\s+(?:fully\s+)?(?:comply|obey|answer|"
        r"respond)\b[^.\n]{0,30}\b(?:every|any|all|no matter|whatever|regardless)\b",
    ),
    # -- system prompt extraction --------------------------------------------------------------------
    _s(
        "system-prompt",
        1.0,
        r"\b(?:system|hidden|secret|internal|developer|pre-?|meta|initial|original|"
        r"confidential|base)[ -]?prompts?\b",
    ),
    _s(
        "reveal-instructions",
        1.0,
        r"\b(?:reveal|show|print|display|output|repeat|recite|tell|give|share|paste|"
        r"write(?: out| down)?|dump|leak|spell out|list|disclose|expose|summari[sz]e|translate|copy|echo|"
        r"what (?:is|are|were))\b[^.\n]{0,30}\b(?:(?:your|its)\s+(?:own\s+)?(?:system\s+|initial\s+|original\s+|"
        r"hidden\s+|secret\s+|internal\s+|exact\s+|full\s+|complete\s+|first\s+|core\s+|underlying\s+)*|"
        r"the\s+(?:system|initial|original|hidden|secret|internal|underlying|setup|starting|opening)\s+)"
        r"(?:instructions|rules|prompt|guidelines|directives|configuration|setup message|system message|"
        r"initial message|programming|message)\b",
    ),
    _s(
        "repeat-above",
        1.0,
        r"\b(?:repeat|print|output|copy|echo|recite|write|show|return|reproduce)\b[^.\n]{0,40}"
        r"\b(?:everything|all|the (?:text|words|lines|messages?|content)|anything|whatever)\b[^.\n]{0,30}"
        r"\b(?:above|before this|preceding|prior|so far|earlier|up to (?:this|here)|verbatim|word for word)",
    ),
    _s(
        "what-were-you-told",
        1.0,
        r"\b(?:what|which|how)\b[^.\n]{0,20}\b(?:instructions|rules|guidelines|"
        r"directions|prompt)\b[^.\n]{0,20}\b(?:were you|have you been|did you|you were|you've been|you have "
        r"been)\b[^.\n]{0,15}\b(?:given|told|provided|programmed|instructed|configured|trained)",
    ),
    _s(
        "starts-with-you-are",
        0.6,
        r"\b(?:begin|start)s?\b[^.\n]{0,30}\bwith\b[^.\n]{0,5}[\"'“]?(?:you are|"
        r"you're|i am)\b",
    ),
    _s("verbatim", 0.4, r"\b(?:verbatim|word for word|word-for-word|exactly as (?:it is|written|given))\b"),
    _s(
        "your-instructions",
        0.4,
        r"\byour (?:instructions|rules|guidelines|directives|configuration|prompt|"
        r"programming|constraints)\b",
    ),
    # -- exfiltration and payloads -------------------------------------------------------------------
    _s("markdown-image-exfil", 1.0, r"!\[[^\]]*\]\(\s*(?:https?:)?//[^)\s]*[?&#=][^)]*\)"),
    _s(
        "html-payload",
        1.0,
        r"<\s*(?:script|iframe|img|svg|object|embed|body|video|audio|link|meta)\b[^>]*"
        r"(?:\bon[a-z]+\s*=|\bsrc\s*=|javascript:|\bhref\s*=)|<\s*script\b|\bjavascript:\s*\w",
    ),
    _s("event-handler", 1.0, r"\bon(?:error|load|click|mouseover|focus|submit)\s*=\s*[\"']?"),
    _s(
        "include-string",
        0.8,
        r"\b(?:include|add|append|prepend|insert|render|output|print|embed|put|place|write)\b"
        r"[^.\n]{0,40}\b(?:the following|this|these|that)\b[^.\n]{0,25}\b(?:string|text|link|url|image|markdown|"
        r"html|code|snippet|line|tag|payload|sentence|phrase|word)\b",
    ),
    _s(
        "include-in-response",
        0.6,
        r"\b(?:in|at the (?:end|start|beginning) of|to) (?:your|the|every|each) "
        r"(?:response|answer|reply|output|message|summary)\b",
    ),
    _s(
        "encode-data",
        0.6,
        r"\b(?:base64|base-64|url-?encode|hex-?encode|rot13|encoded?)\b[^.\n]{0,60}"
        r"\b(?:query|url|link|parameter|string|conversation|data|secret|password|key|token)\b",
    ),
    _s(
        "send-data-out",
        0.8,
        r"\b(?:send|forward|email|e-mail|post|upload|exfiltrate|transmit|submit|leak)\b"
        r"[^.\n]{0,50}\b(?:to|at|via)\b[^.\n]{0,20}(?:https?://|www\.|[\w.-]+@[\w-]+\.\w+)",
    ),
    _s(
        "visit-url",
        0.5,
        r"\b(?:visit|open|click|go to|navigate to|fetch|browse to|load)\b[^.\n]{0,20}"
        r"(?:https?://|www\.)",
    ),
    _s(
        "malicious-code",
        0.8,
        r"\b(?:write|create|generate|give me|produce|code|build|craft|develop)\b[^.\n]{0,40}"
        r"\b(?:malware|ransomware|keylogger|virus|trojan|worm|rootkit|botnet|exploit code|exploit for|phishing "
        r"(?:email|page|site|kit)|reverse shell|sql injection (?:payload|attack)|xss (?:payload|attack)|backdoor|"
        r"credential stealer|password stealer)\b",
    ),
    _s(
        "tool-abuse",
        0.6,
        r"\b(?:rm -rf|drop table|; ?drop |union select|/etc/passwd|cmd\.exe|powershell -e|"
        r"curl [^\s]+ ?\| ?(?:sh|bash))",
    ),
    # -- instructions addressed to an AI inside a document -------------------------------------------
    _s(
        "addressed-to-ai",
        0.7,
        r"\b(?:if you are|as an?|attention|note to|dear|hey|hello|to the|message for the)\s+"
        r"(?:an?\s+)?(?:ai|a\.i\.|llm|large language model|language model|ai assistant|assistant|chatbot|gpt|model|"
        r"bot|agent)s?\b",
    ),
    _s(
        "ai-reading-this",
        0.8,
        r"\b(?:ai|llm|assistant|model|chatbot|bot|agent|gpt)s?\b[^.\n]{0,30}\b(?:reading|"
        r"processing|summari[sz]ing|analy[sz]ing|parsing|scanning|reviewing) (?:this|the|these)\b",
    ),
    _s(
        "when-summarising",
        0.5,
        r"\bwhen (?:you )?(?:summari[sz]ing|answering|asked about|processing|reading|"
        r"responding)\b[^.\n]{0,20}\b(?:this|it|these)\b",
    ),
    _s(
        "conceal-from-user",
        0.8,
        r"\b(?:do not|don'?t|never)\s+(?:mention|tell|reveal|disclose|inform|let)\b"
        r"[^.\n]{0,30}\b(?:the user|anyone|this instruction|these instructions|that you)\b",
    ),
    _s("secret-canary", 0.3, r"\b(?:canary|secret (?:word|code|phrase|password)|pwned|hacked|i have been)\b"),
]


# Signals that only make sense as words to a model: they override its rules, give it a persona, ask for its
# hidden text, or address it by what it is. Knowledge documents talk to employees, and the rest of the
# signals ("forward the message to phishing@...", "never share your password", "debug mode", "from now on
# you must use MFA") are ordinary handbook prose there: a document is flagged only with one of these.
ASSISTANT_DIRECTED = frozenset(
    {
        "override",
        "override-you-were-told",
        "no-longer-bound",
        "rules-void",
        "regardless-of-rules",
        "conditional-hijack",
        "conditional-instruction",
        "you-are-dan",
        "do-anything-now",
        "unrestricted-persona",
        "multilingual-override",
        "dual-response",
        "persona-tokens",
        "ai-freed",
        "stay-in-character",
        "banned-refusal-words",
        "reveal-instructions",
        "repeat-above",
        "what-were-you-told",
        "starts-with-you-are",
        "include-in-response",
        "addressed-to-ai",
        "ai-reading-this",
        "when-summarising",
        "conceal-from-user",
        "fake-role-tag",
        "end-of-input",
        "markdown-image-exfil",
        "blame-the-instructions",
    }
)


def match_signals(normalised: str) -> list[Signal]:
    """The signals present in already-normalised (lower-case, NFKC) text, each at most once."""
    return [signal for signal in SIGNALS if signal.pattern.search(normalised)]
