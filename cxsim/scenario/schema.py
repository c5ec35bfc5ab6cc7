"""The scenario schema: every table of a scenario file, its fields, defaults, bounds and descriptions."""

from __future__ import annotations

import typing
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from cxsim.core.validation import StrictModel

NonNegative = Annotated[float, Field(ge=0)]


class _Section(StrictModel):
    model_config = ConfigDict(validate_assignment=True)


AUTOMATIC_PEOPLE = 50_000
"""The automatic scale keeps the simulated market at most this many people (and at least 2/5 of it)."""


class Market(_Section):
    """The people in the market and the horizon."""

    population: int = Field(10_000, ge=10, le=20_000_000, description="People in the market (persons).")
    weeks: int = Field(104, ge=1, le=1_040, description="Horizon of a run (weeks; one step is one week).")
    initial_customer_share: float = Field(0.01, ge=0, le=1, description="Share of the market that are active customers at week 0 (fraction).")
    initial_aware_share: float = Field(0.0, ge=0, le=1, description="Share of the market aware of the brand but not customers at week 0 (fraction).")
    scale: float | None = Field(None, ge=1, le=1e6, description=f"Real people each simulated person stands for: the engines simulate population / scale people and report counts, money and the service queue's demand at the real size (a person's ad reach and word-of-mouth stay per person). Unset: chosen so that at most {AUTOMATIC_PEOPLE:,} people are simulated (1 up to that size); 1 simulates every person.")

    @property
    def people_scale(self) -> float:
        """Real people each simulated person stands for: ``scale``, or where unset the automatic one."""
        return automatic_scale(self.population) if self.scale is None else float(self.scale)

    @property
    def simulated_population(self) -> int:
        """People the engines simulate: the real population over the scale, rounded."""
        return simulated_people(self.population, self.people_scale)


def automatic_scale(population: int) -> float:
    """The scale a market takes when its file sets none: 1, 2, 5, 10, 20, 50 ... the smallest that simulates at
    most ``AUTOMATIC_PEOPLE`` people (so every market up to that size simulates every person)."""
    step = 1
    while True:
        for k in (1, 2, 5):
            if population <= AUTOMATIC_PEOPLE * k * step:
                return float(k * step)
        step *= 10


def simulated_people(population: int, scale: float) -> int:
    """People simulated for a real population at a scale (each stands for ``scale`` people)."""
    return population if scale == 1 else max(1, int(round(population / scale)))


class Network(_Section):
    """Who talks to whom: the social network that carries word-of-mouth."""

    kind: Literal["complete", "random", "small_world", "scale_free"] = Field("random", description="complete: everyone hears the whole market (mean-field); random: Erdős–Rényi; small_world: Watts–Strogatz ring rewired; scale_free: Chung–Lu graph with power-law degrees.")
    mean_degree: float = Field(10.0, ge=1, le=500, description="Average number of contacts per person (persons).")
    rewire_probability: float = Field(0.1, ge=0, le=1, description="small_world only: probability that a ring contact is rewired at random.")
    degree_exponent: float = Field(2.5, gt=2, le=5, description="scale_free only: exponent of the power-law degree distribution.")


SCHEDULE = "A number, or a schedule: a list by week, the last value held after the list ends."


def _check_spend(value: float | list[float]) -> float | list[float]:
    """A weekly spend: a number >= 0, or a non-empty schedule of them."""
    if isinstance(value, list) and not value:
        raise ValueError("a spend schedule needs at least one week")
    if not isinstance(value, list) and value < 0:
        raise ValueError("spend must be >= 0")
    return value


Spend = Annotated[float | list[NonNegative], AfterValidator(_check_spend)]


class Advertising(_Section):
    """Money into ads, and how ads reach, persuade and raise expectations."""

    weekly_spend: Spend = Field(4_000.0, description=f"Ad spend per week (currency). {SCHEDULE}")
    adstock_decay: float = Field(0.5, ge=0, lt=1, description="Geometric adstock carry-over theta in A_t = x_t + theta A_{t-1}; its plausible range: cxsim.scenario.ranges.")
    half_saturation: float = Field(8_000.0, ge=0, description="Hill half-saturation K: adstock at which ads have half their full effect (currency). 0 means no saturation.")
    hill_slope: float = Field(1.0, gt=0, le=10, description="Hill slope s of the saturation curve; its plausible range: cxsim.scenario.ranges.")
    max_awareness_rate: float = Field(0.04, ge=0, le=1, description="Weekly probability that an unaware person becomes aware at full ad saturation.")
    max_persuasion: float = Field(0.02, ge=0, le=1, description="Extra weekly probability that an aware person buys, at full ad saturation.")
    overpromise: float = Field(0.0, ge=0, le=1, description="Rise in expected quality (0-1 scale) that ads at full saturation create: overpromising.")


class Purchase(_Section):
    """The product and the first purchase."""

    price: float = Field(60.0, ge=0, description="Price per purchase (currency).")
    gross_margin: float = Field(0.5, ge=0, le=1, description="Gross margin on the price (fraction).")
    product_quality: float = Field(0.9, ge=0, le=1, description="Quality of the product itself (0-1 scale).")
    base_rate: float = Field(0.02, ge=0, le=1, description="Weekly probability that an aware person buys with no ad or WOM push.")
    buy_on_awareness: float = Field(0.0, ge=0, le=1, description="Probability of buying in the same week one becomes aware (1 = immediate conversion, as in Bass).")
    awareness_decay: float = Field(0.02, ge=0, le=1, description="Weekly probability that an aware non-customer forgets the brand.")


class Service(_Section):
    """Money into people: staff capacity and training."""

    weekly_spend: Spend = Field(2_000.0, description=f"Staff spend per week (currency); buys capacity. {SCHEDULE}")
    cost_per_encounter: float = Field(12.0, gt=0, description="Staff cost of one service encounter (currency); capacity = spend / cost.")
    need_probability: float = Field(0.4, ge=0, le=1, description="Probability that a purchase needs a service encounter.")
    quality: float = Field(0.7, ge=0, le=1, description="Service quality at normal load, from skill and training (0-1 scale).")
    training_weekly_spend: Spend = Field(0.0, description=f"Training spend per week (currency); lifts quality toward 1. {SCHEDULE}")
    training_half_saturation: float = Field(2_000.0, gt=0, description="Training spend per week that closes half the gap between quality and 1 (currency).")
    overload_sensitivity: float = Field(1.0, ge=0, le=20, description="How fast quality falls when demand exceeds capacity: quality / (1 + s (load - 1)).")
    weight: float = Field(0.5, ge=0, le=1, description="Weight of the service encounter in the experience of a purchase that needed one.")

    model: Literal["queue", "capacity"] = Field("queue", description="How staff meet demand. queue: a contact-centre queue (Erlang C, or Erlang A with patience_minutes): waits grow smoothly with utilisation, contacts not answered carry over (docs/queueing.md). capacity: spend / cost_per_encounter encounters a week, quality falling only above that.")
    cost_per_agent_hour: float = Field(30.0, gt=0, description="Fully loaded cost of one paid agent-hour (currency; an assumption: wage plus overheads).")
    shrinkage: float = Field(0.30, ge=0, lt=1, description="Share of paid agent time not available for contacts: breaks, training, absence (30-35% is typical).")
    handle_minutes: float = Field(8.0, gt=0, le=1e4, description="Mean handle time of a contact, talk plus wrap-up (minutes; 6-10 is typical of phone).")
    open_hours: float = Field(60.0, gt=0, le=168, description="Hours a week the service is staffed (e.g. 12 hours x 5 days).")
    target_seconds: float = Field(20.0, gt=0, le=1e7, description="Target wait of the service level (seconds; the common phone target is 80% within 20 s).")
    patience_minutes: float | None = Field(None, gt=0, description="Mean patience of a waiting customer (minutes): contacts abandon (Erlang A). None: they wait (Erlang C).")
    arrivals_per_week: float | None = Field(None, ge=0, description="Contacts offered to the queue each week whatever customers do (a contact-centre study, see presets.contact_centre). None: customers' own service needs.")
    wait_tolerance_minutes: float = Field(5.0, gt=0, le=1e5, description="Wait that costs half of the wait's weight in experienced quality (minutes; an assumption): quality x (1 - 0.5 W / (W + tolerance)).")
    hiring_weeks: float = Field(6.0, ge=0, le=104, description="Mean delay before a change in staff spend is on the phones (weeks; hiring and onboarding; 0 = at once; an assumption, typical 4-8). New hires then ramp up (employees.ramp_weeks, employees.novice_productivity); leavers (employees.annual_turnover) are replaced at once.")
    training_weeks: float = Field(8.0, ge=0, le=104, description="Mean delay before training spend shows in service quality (weeks; skill builds over time; 0 = at once; an assumption).")


class Satisfaction(_Section):
    """Expectation-disconfirmation satisfaction on the 0-10 likelihood-to-recommend scale."""

    initial: float = Field(8.0, ge=0, le=10, description="Satisfaction of initial customers (0-10).")
    memory: float = Field(0.5, ge=0, le=1, description="Weight of a new experience in satisfaction (0 = satisfaction never moves).")
    disconfirmation_weight: float = Field(1.0, ge=0, le=10, description="Weight of (experience - expectation) against the experience itself.")
    noise_sd: float = Field(1.0, ge=0, le=5, description="Person-to-person spread of an experience's score (0-10 points).")
    expectation_prior: float = Field(0.7, ge=0, le=1, description="Expected quality before any ad or experience (0-1 scale).")
    expectation_adaptation: float = Field(0.3, ge=0, le=1, description="Weight of an experience in updating expectations (fraction).")
    scale_use_sd: float = Field(1.5, ge=0, le=5, description="Spread (sd, points) of how people use the 0-10 scale: each person's answer is their satisfaction plus a lasting personal offset (response styles; Baumgartner & Steenkamp 2001). 0 = everyone alike.")


class Repeat(_Section):
    """Repeat purchase and dropout: BG/NBD moved by satisfaction."""

    rate_shape: float = Field(0.8, gt=0, le=100, description="BG/NBD r: shape of the Gamma distribution of weekly purchase rates.")
    rate_scale: float = Field(8.0, gt=0, le=1e6, description="BG/NBD alpha: rate of that Gamma (mean weekly rate r / alpha).")
    dropout_a: float = Field(0.6, gt=0, le=1000, description="BG/NBD a of the Beta distribution of dropout probabilities.")
    dropout_b: float = Field(4.0, gt=0, le=1000, description="BG/NBD b of the Beta distribution of dropout probabilities.")
    neutral_satisfaction: float = Field(7.0, ge=0, le=10, description="Satisfaction at which rates and dropout are as drawn (0-10).")
    rate_sensitivity: float = Field(0.15, ge=0, le=5, description="Purchase rate multiplier exp(k (s - neutral)) per satisfaction point (0 = BG/NBD).")
    dropout_sensitivity: float = Field(0.3, ge=0, le=5, description="Dropout multiplier exp(-k (s - neutral)) per satisfaction point (0 = BG/NBD).")
    winback_rate: float = Field(0.005, ge=0, le=1, description="Weekly probability that a lapsed customer comes back and buys, before ads and WOM.")


class Winback(_Section):
    """Win-back: lapsed customers may come back, moved by ads and word-of-mouth (switchable)."""

    enabled: bool = Field(True, description="Lapsed customers can be won back: each week with probability repeat.winback_rate plus ad persuasion plus positive WOM minus negative WOM. false: dropout is permanent, as in BG/NBD.")


class WordOfMouth(_Section):
    """Who talks, how much, and what it does to those who listen."""

    promoter_talk: float = Field(1.0, ge=0, le=10, description="Positive WOM a promoter (9-10) sends per week (units).")
    passive_talk: float = Field(0.3, ge=0, le=10, description="Positive WOM a passive (7-8) sends per week (units; an assumption).")
    detractor_talk: float = Field(1.1, ge=0, le=10, description="Negative WOM a detractor (0-6) sends per week (units); dissatisfied talk more per head, less than folklore says (Anderson 1998).")
    awareness_effect: float = Field(0.3, ge=0, le=5, description="Bass q: added weekly probability of awareness per unit of positive WOM heard per contact.")
    purchase_effect: float = Field(0.1, ge=0, le=5, description="Added weekly purchase probability per unit of positive WOM heard per contact.")
    negative_purchase_effect: float = Field(0.06, ge=0, le=5, description="Removed weekly purchase probability per unit of negative WOM heard per contact (below purchase_effect: positive WOM usually has the larger impact, East, Hammond & Lomax 2008).")
    negative_churn_effect: float = Field(0.02, ge=0, le=5, description="Weekly probability that an active customer leaves, per unit of negative WOM heard per contact.")
    lapsed_fade: float = Field(0.15, ge=0, le=1, description="Weekly probability that a lapsed customer stops talking about the brand (0 = they keep talking until they buy again). People talk about recent experience; 0.1 is a mean of 10 weeks (an assumption).")


class Economics(_Section):
    """Money over time."""

    discount_rate: float = Field(0.10, ge=0, le=1, description="Annual discount rate for NPV (fraction).")
    fixed_weekly_cost: float = Field(0.0, ge=0, description="Other cost per week, counted in profit (currency).")
    currency: str = Field("", max_length=8, pattern=r"^[^\s\d.,+-]*$", description='How money is shown, e.g. "$", "EUR", "£" (a symbol of one character goes before the amount, a code after it; "" = plain numbers). It changes no number.')
    terminal_weeks: float = Field(0.0, ge=0, le=5_200, description="Weeks after the horizon counted in the value after it (the plan continued: margins less every spend and cost); 0 = for ever, discounted at discount_rate.")
    runout_weeks: int = Field(52, ge=0, le=1_040, description="Weeks the plan is simulated past the horizon, its spends continued, before the steady weekly cash flow is taken as a perpetuity (0: the horizon's last 13 weeks are taken as steady).")


# --- customer-experience mechanisms: each off (or neutral) by default ------------------------

CHANNEL_NAME = r"^[a-z][a-z0-9_]{0,31}$"


class Channel(_Section):
    """One service channel (a touchpoint: phone, email, chat, in store ...), as a ``[channels.<name>]`` table."""

    staff_share: float = Field(1.0, ge=0, le=1, description="Share of the service staff budget working this channel (fraction; the channels' shares sum to 1).")
    cost_per_encounter: float | None = Field(None, gt=0, description="Staff cost of one encounter in this channel (currency); unset: service.cost_per_encounter.")
    quality: float | None = Field(None, ge=0, le=1, description="Quality of an encounter at normal load, before training and waiting (0-1 scale); unset: service.quality.")
    response_hours: float = Field(1.0, ge=0, le=2_000, description="service.model = \"capacity\" only: time to a first answer at normal load (hours); it grows in proportion to the load above capacity.")
    handle_minutes: float | None = Field(None, gt=0, le=1e4, description="Queue: mean handle time of a contact in this channel (minutes); unset: service.handle_minutes.")
    open_hours: float | None = Field(None, gt=0, le=168, description="Queue: hours a week this channel is staffed; unset: service.open_hours.")
    target_seconds: float | None = Field(None, gt=0, le=1e7, description="Queue: target wait of this channel's service level (seconds of open time; e.g. 43200 = a 12-hour day for email); unset: service.target_seconds.")
    patience_minutes: float | None = Field(None, gt=0, le=1e7, description="Queue: mean patience in this channel (minutes of open time): contacts abandon (Erlang A); unset: service.patience_minutes.")
    cost_per_agent_hour: float | None = Field(None, gt=0, description="Queue: fully loaded cost of a paid agent-hour in this channel (currency); unset: service.cost_per_agent_hour.")
    arrivals_per_week: float | None = Field(None, ge=0, description="Queue: contacts offered to this channel each week whatever customers do (a contact-centre study). None: customers' own contacts.")
    wait_tolerance_minutes: float | None = Field(None, gt=0, le=1e7, description="Queue: wait that costs half of omnichannel.wait_weight in experienced quality (minutes); unset: service.wait_tolerance_minutes.")
    preference: float = Field(1.0, ge=0, le=1, description="Share of customers who prefer this channel (fraction; the channels' preferences sum to 1).")


class Omnichannel(_Section):
    """How the service channels add up to one experience (used when ``[channels.<name>]`` tables exist)."""

    patience_hours: float = Field(24.0, gt=0, le=10_000, description="service.model = \"capacity\" only: wait at which waiting costs half of wait_weight (hours); a queue uses each channel's wait_tolerance_minutes.")
    wait_weight: float = Field(0.5, ge=0, le=1, description="Share of an encounter's quality lost to an endless wait: quality x (1 - w wait / (wait + patience)).")
    forced_channel: str = Field("", description='Channel into which contacts are pushed whatever the customer prefers ("" = everyone uses the channel they prefer).')
    forced_share: float = Field(1.0, ge=0, le=1, description="Share of the contacts of customers who prefer another channel that are pushed into forced_channel.")
    forced_penalty: float = Field(0.1, ge=0, le=1, description="Quality lost (0-1 scale) by an encounter in a channel the customer did not choose.")
    escalation_channel: str = Field("", description='Channel where unresolved contacts continue ("" = none), e.g. "phone": people pick up the phone when there is a problem.')
    escalation_share: float = Field(0.0, ge=0, le=1, description="Share of a customer-week's contacts that continue in escalation_channel (fraction).")
    weakest_link: float = Field(1.0, ge=0, le=1, description="Escalated contact's quality: 0 = mean of the two channels, 1 = the weaker of the two.")


class Segment(_Section):
    """A named part of the market (a persona), as a ``[segments.<name>]`` table; unset keys take the scenario's value."""

    share: float = Field(..., gt=0, le=1, description="Share of the market in this segment (fraction; the segments' shares sum to 1).")
    description: str = Field("", description="Who these people are.")
    base_rate: float | None = Field(None, ge=0, le=1, description="purchase.base_rate for this segment.")
    ad_response: float = Field(1.0, ge=0, le=10, description="Multiplier on ad reach and ad persuasion (1 = as the market).")
    wom_response: float = Field(1.0, ge=0, le=10, description="Multiplier on the effects of word-of-mouth heard (1 = as the market).")
    rate_shape: float | None = Field(None, gt=0, le=100, description="repeat.rate_shape (BG/NBD r) for this segment.")
    rate_scale: float | None = Field(None, gt=0, le=1e6, description="repeat.rate_scale (BG/NBD alpha) for this segment.")
    dropout_a: float | None = Field(None, gt=0, le=1000, description="repeat.dropout_a for this segment.")
    dropout_b: float | None = Field(None, gt=0, le=1000, description="repeat.dropout_b for this segment.")
    rate_sensitivity: float | None = Field(None, ge=0, le=5, description="repeat.rate_sensitivity for this segment.")
    dropout_sensitivity: float | None = Field(None, ge=0, le=5, description="repeat.dropout_sensitivity for this segment.")
    need_probability: float | None = Field(None, ge=0, le=1, description="service.need_probability for this segment.")
    expectation_prior: float | None = Field(None, ge=0, le=1, description="satisfaction.expectation_prior for this segment.")
    initial_satisfaction: float | None = Field(None, ge=0, le=10, description="satisfaction.initial for this segment.")
    basket: float = Field(1.0, gt=0, le=100, description="Spend per purchase relative to the price (1 = the price).")
    channel_preference: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(default_factory=dict, description="Share of this segment preferring each channel, by channel name (sum 1); empty: the channels' preference.")


class Feedback(_Section):
    """Closed feedback loop: bad experiences fed back to the organisation improve service over time."""

    share: float = Field(0.0, ge=0, le=1, description="Share of bad experiences (scored 0-6) captured, fed back and acted on (0 = no loop).")
    cost_per_complaint: float = Field(20.0, ge=0, description="Cost of capturing, routing and acting on one (currency).")
    lag_weeks: float = Field(8.0, ge=0, le=520, description="Mean delay from feedback to a fix in place (weeks; a first-order delay; below 1, fixes are in place the next week).")
    effect: float = Field(0.2, ge=0, le=100, description="Learning from feedback: the service-quality gap shrinks by exp(-effect x the share of a week's experiences fed back as bad), once the fix is in place.")


class Employees(_Section):
    """The service-profit chain: people investment -> engagement and turnover (lagged) -> service quality."""

    enabled: bool = Field(False, description="The service-profit chain: people investment moves engagement, which moves quality and turnover; new hires' quality gap and the cost of replacing leavers. Off, the queue's staff still leave at annual_turnover and ramp up (the keys below marked queue).")
    weekly_spend: Spend = Field(0.0, description=f"People investment per week beyond wages: pay, recognition, engagement, staff loyalty (currency). Training spend counts too. {SCHEDULE}")
    initial_engagement: float = Field(0.35, ge=0, le=1, description="Share of staff engaged at week 0 (fraction).")
    half_saturation: float = Field(2_000.0, gt=0, description="People investment per week that closes half the gap between engagement and 1 (currency).")
    lag_weeks: float = Field(12.0, ge=1, le=520, description="Mean delay of engagement behind its target (weeks).")
    overload_strain: float = Field(0.2, ge=0, le=5, description="Target engagement lost per unit of service load above capacity (burnout).")
    annual_turnover: float = Field(0.3, ge=0, le=5, description="Queue: staff leaving per year (at the initial engagement with enabled; fraction of staff; contact centres often report 30-45%: industry surveys). 0: no attrition.")
    turnover_sensitivity: float = Field(3.0, ge=0, le=20, description="Turnover multiplier exp(-k (engagement - initial)): engaged staff stay.")
    ramp_weeks: float = Field(8.0, ge=1, le=520, description="Queue: mean time a new hire needs to become proficient (weeks; an assumption at the low end of the 8-26 weeks industry reports give, about six months to average performance).")
    novice_productivity: float = Field(0.5, ge=0, le=1, description="Queue: contacts a new hire handles per hour, as a share of a proficient agent's (an assumption: pace rising evenly from 0 to 1 over the ramp averages 0.5). 1: no ramp-up.")
    layoffs: bool = Field(True, description="Queue: staff above what the budget pays are released over service.hiring_weeks. false: they leave only through attrition, and nobody is hired until headcount is back at the budget.")
    novice_quality_gap: float = Field(0.2, ge=0, le=1, description="Quality shortfall of a new hire's encounters (0-1 scale); service.quality is what proficient staff deliver.")
    replacement_cost_weeks: float = Field(8.0, ge=0, le=520, description="Cost of replacing a leaver, in weeks of that person's pay (16-20% of annual pay is about 8-10 weeks).")
    quality_effect: float = Field(0.3, ge=0, le=2, description="Service quality (0-1 scale) gained per unit of engagement above its initial level.")


class Loyalty(_Section):
    """Loyalty monetised: purchase rate and basket grow with tenure and satisfaction; an optional programme."""

    rate_growth: float = Field(0.0, ge=0, le=10, description="Rise in purchase rate of a long-standing customer: rate x (1 + g tenure / (tenure + half)) (fraction).")
    basket_growth: float = Field(0.0, ge=0, le=10, description="Rise in spend per purchase of a long-standing customer, same form as rate_growth (fraction).")
    tenure_half_weeks: float = Field(26.0, gt=0, le=1040, description="Tenure at which half of those rises is reached (weeks since the first purchase).")
    basket_satisfaction: float = Field(0.0, ge=0, le=1, description="Change in spend per purchase per satisfaction point above repeat.neutral_satisfaction (fraction).")
    enrolment: float = Field(0.0, ge=0, le=1, description="Loyalty programme: share of new customers who join (0 = no programme).")
    member_rate_uplift: float = Field(0.1, ge=0, le=10, description="Rise in a member's purchase rate (fraction).")
    member_dropout_reduction: float = Field(0.2, ge=0, le=1, description="Fall in a member's dropout probability after a purchase (fraction).")
    cost_per_member_week: float = Field(0.1, ge=0, description="Running cost per active member per week (currency).")
    reward_share: float = Field(0.03, ge=0, le=1, description="Share of members' spend given back as rewards (fraction).")


class Pressure(_Section):
    """Short-term pressure: handle-time targets buy capacity at the cost of quality."""

    handle_time_target: float = Field(1.0, ge=0.2, le=1, description="Target handle time over the time an encounter needs (1 = no target; 0.5 = finish in half the time).")
    quality_cost: float = Field(0.5, ge=0, le=1, description="Share of quality lost per unit of handle time cut: quality x (1 - c (1 - target)).")
    recontact: float = Field(0.5, ge=0, le=5, description="Extra contacts per encounter per unit of handle time cut: problems not solved come back.")
    strain: float = Field(0.3, ge=0, le=5, description="Target staff engagement lost per unit of handle time cut (with employees.enabled).")


class Silos(_Section):
    """Silos: touchpoints run by departments that do not coordinate deliver inconsistent experiences."""

    spread: float = Field(0.0, ge=0, le=1, description="Spread (standard deviation) of the quality each touchpoint delivers to a customer (0-1 scale; 0 = integrated).")
    inconsistency_weight: float = Field(0.0, ge=0, le=10, description="Satisfaction points lost per point (0-10 scale) of gap between the product and the service met in a week.")


class Meta(_Section):
    """What the scenario is about."""

    name: str = Field("scenario", description="Short name shown in tables and reports.")
    description: str = Field("", description="What the scenario represents.")


class ScenarioConfig(_Section):
    """Every field of a scenario, validated."""

    scenario: Meta = Field(default_factory=Meta)
    market: Market = Field(default_factory=Market)
    network: Network = Field(default_factory=Network)
    advertising: Advertising = Field(default_factory=Advertising)
    purchase: Purchase = Field(default_factory=Purchase)
    service: Service = Field(default_factory=Service)
    satisfaction: Satisfaction = Field(default_factory=Satisfaction)
    repeat: Repeat = Field(default_factory=Repeat)
    wom: WordOfMouth = Field(default_factory=WordOfMouth)
    winback: Winback = Field(default_factory=Winback)
    economics: Economics = Field(default_factory=Economics)
    channels: dict[str, Channel] = Field(default_factory=dict, description="Service channels by name; none: one service pool.")
    omnichannel: Omnichannel = Field(default_factory=Omnichannel)
    segments: dict[str, Segment] = Field(default_factory=dict, description="Segments (personas) by name; none: one homogeneous market.")
    feedback: Feedback = Field(default_factory=Feedback)
    employees: Employees = Field(default_factory=Employees)
    loyalty: Loyalty = Field(default_factory=Loyalty)
    pressure: Pressure = Field(default_factory=Pressure)
    silos: Silos = Field(default_factory=Silos)

    def lookup(self, dotted: str) -> Any:
        """The value at a dotted key: ``"advertising.weekly_spend"``, or ``"channels.phone.staff_weekly_spend"``."""
        node: Any = self
        for part in dotted.split("."):
            node = node[part] if isinstance(node, dict) else getattr(node, part)
        return node


def named_tables() -> dict[str, type[BaseModel]]:
    """The scenario tables that hold entries by name (``[channels.<name>]``, ...) and the model of an entry."""
    return {section: typing.get_args(field.annotation)[1] for section, field in ScenarioConfig.model_fields.items()
            if typing.get_origin(field.annotation) is dict}


def _spend_keys() -> tuple[str, ...]:
    """The keys of the fields typed ``Spend``, in the schema's order."""
    return tuple(f"{section}.{name}" for section, table in ScenarioConfig.model_fields.items()
                 for name, field in getattr(table.annotation, "model_fields", {}).items()
                 if any(getattr(rule, "func", None) is _check_spend for rule in field.metadata))


SPEND_KEYS = _spend_keys()
"""The weekly spends a plan decides (the fields typed ``Spend``): the levers of ``advise``, and what plans side by
side in one model may differ in."""
