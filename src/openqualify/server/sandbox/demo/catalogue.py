"""What each demo course is about: its assessments, activities, pages and the words its learners write.

Every text a learner or facilitator sees in the demo comes either from its course's `CourseContent` (so a te reo
Māori class never asks for a workplace hazard report) or from the short generic lists below it, which fit any
course (marker feedback, comments, replies, notes). `tests/server/sandbox/demo/test_demo.py` checks that the built
demo only uses the content of each offering's own course and that no two courses share a course-specific text.
"""

from __future__ import annotations

from dataclasses import dataclass

PASS_MARK = 70  # percent: a quiz is passed at 70 % or more; the badges' "passing every assessed quiz"


@dataclass(frozen=True)
class TaskText:
    title: str
    content: str
    document: str | None = None  # the brief or template attached to it


@dataclass(frozen=True)
class CourseContent:
    """One course's texts. `tasks` follow `assessments.TASKS`, position by position (type, marking, timing)."""

    tasks: tuple[TaskText, ...]
    activities: tuple[str, ...]  # open-response activities (not assessed)
    pages: tuple[str, ...]  # page titles, in order; a version has the first 6-10
    responses: tuple[str, ...]  # what learners hand in (HTML)
    activity_answers: tuple[str, ...]
    learned: tuple[str, ...]  # answers to the pulse "What is one thing you learned this week?"
    topics: tuple[tuple[str, str], ...]  # (title, text) of discussions learners start in "General"


def _tasks(
    check_in: tuple[str, str],
    report: tuple[str, str, str],
    reflection: tuple[str, str],
    final_quiz: str,
    plan: tuple[str, str, str],
    extension: tuple[str, str],
) -> tuple[TaskText, ...]:
    return (
        TaskText(check_in[0], f"<p>{check_in[1]} {PASS_MARK}% to pass.</p>"),
        TaskText(report[0], f"<p>{report[1]}</p>", report[2]),
        TaskText(reflection[0], f"<p>{reflection[1]}</p>"),
        TaskText("Final knowledge quiz", f"<p>{final_quiz} {PASS_MARK}% to pass.</p>"),
        TaskText(plan[0], f"<p>{plan[1]}</p>", plan[2]),
        TaskText(extension[0], f"<p>{extension[1]}</p>"),
    )


CONTENT: dict[str, CourseContent] = {
    "SAF": CourseContent(
        tasks=_tasks(
            ("Check-in quiz: hazards and risk", "Ten questions on spotting hazards and rating risk."),
            (
                "Workplace hazard investigation report",
                "Walk through your own work area, record three hazards and write a short report (800 words) that "
                "rates each risk and proposes controls.",
                "Hazard report brief.pdf",
            ),
            ("Reflection: a safer way of working", "Describe one change that made a task safer, and what happened."),
            "Covers the whole course, including your duties under the Health and Safety at Work Act 2015.",
            (
                "Site safety improvement plan",
                "Plan one improvement using the hierarchy of controls (template attached).",
                "Safety improvement plan template.docx",
            ),
            ("Optional extension: run a toolbox talk", "Run a five-minute toolbox talk and share your notes."),
        ),
        activities=(
            "Spot the hazards in the photo",
            "Share a near miss you have seen",
            "Which control would you choose?",
        ),
        pages=(
            "Welcome and overview",
            "What is a hazard?",
            "Assessing risk",
            "The hierarchy of controls",
            "Reporting incidents and near misses",
            "Personal protective equipment",
            "Your duties under HSWA 2015",
            "Case study: the loading dock",
            "Emergency procedures",
            "Review and next steps",
        ),
        responses=(
            "<p>I talked with my team about the hazards on the loading dock and we agreed on a new checklist.</p>",
            "<p>We found trip hazards at the stores entrance; the cables now run under a cover.</p>",
            "<p>Manual handling was our highest risk: we moved the heavy stock to waist height.</p>",
            "<p>Near misses were not being reported, so we added a QR code to every noticeboard.</p>",
        ),
        activity_answers=(
            "In our warehouse the biggest issue is people rushing at the end of a shift.",
            "A forklift reversed past a blind corner; nobody was hurt, and there is a mirror there now.",
            "Elimination: we do not need to stack the boxes that high at all.",
            "Wet floors in the staff kitchen are our most common near miss.",
        ),
        learned=(
            "How to spot risks before they become incidents.",
            "The reporting process is simpler than I thought.",
            "Elimination beats PPE every time.",
            "Officers have duties too, not only managers.",
        ),
        topics=(
            (
                "Near misses at our site",
                "We had two near misses with pallets this month. How do your teams make sure they get reported?",
            ),
            ("PPE that nobody wears", "Our hearing protection sits in a drawer. Has anyone made PPE stick?"),
            (
                "Hazard register: spreadsheet or app?",
                "Ours is a spreadsheet. Is anyone using an app, and is it worth it?",
            ),
            (
                "Fatigue on night shifts",
                "Fatigue is not on our hazard register yet. Should it be, and how would you control it?",
            ),
            ("Toolbox talk ideas", "Looking for short toolbox talk topics for a warehouse team. What has worked?"),
            ("Contractors on site", "Who is responsible for a contractor's safety while they work at our site?"),
        ),
    ),
    "CSE": CourseContent(
        tasks=_tasks(
            (
                "Check-in quiz: listening and needs",
                "Ten questions on active listening and finding out what the customer needs.",
            ),
            (
                "Customer interaction review",
                "Write up a real customer interaction and review it against the service model (800 words).",
                "Interaction review brief.pdf",
            ),
            (
                "Reflection: turning a complaint around",
                "Describe a complaint you handled, what you said and how the customer responded.",
            ),
            "Covers the whole course, including NPS and CSAT.",
            (
                "Service improvement plan",
                "Choose one point where customers get stuck and plan how to fix it (template attached).",
                "Service improvement plan template.docx",
            ),
            (
                "Optional extension: coach a colleague",
                "Coach a colleague through a difficult call and write up what you both learned.",
            ),
        ),
        activities=(
            "What does great service feel like?",
            "Share a complaint that went well",
            "One phrase you will stop using",
        ),
        pages=(
            "Welcome and overview",
            "What customers expect",
            "Active listening",
            "Asking good questions",
            "Handling complaints",
            "Saying no without losing the customer",
            "Phone, chat and face to face",
            "Measuring service: NPS and CSAT",
            "Case study: the late delivery",
            "Review and next steps",
        ),
        responses=(
            "<p>I now ask more open questions when customers call, and the calls are shorter.</p>",
            "<p>A customer rang about a late order; I acknowledged it, offered two options and called back the next "
            "day.</p>",
            "<p>We mapped the returns process and removed two forms the customer had to fill in.</p>",
            "<p>I read ten chat transcripts: we rarely confirm the customer's problem before answering.</p>",
        ),
        activity_answers=(
            "Being remembered by name at my local café.",
            "A customer thanked me for calling back when I said I would.",
            "I am going to stop saying 'that is our policy'.",
            "Great service is when I do not have to explain myself twice.",
        ),
        learned=(
            "Listening without planning my answer.",
            "A complaint is a chance to keep a customer.",
            "How NPS is calculated.",
            "The follow-up matters more than the first reply.",
        ),
        topics=(
            (
                "Scripts or no scripts?",
                "Our call centre uses strict scripts. Do they help or get in the way of listening?",
            ),
            ("The rude customer", "How do you handle a customer who is rude to your team?"),
            ("Surveying after every call", "We send a survey after every call. Is that too often?"),
            ("Chat versus phone", "Which channel gets the better CSAT in your team, and why?"),
            ("Follow-up calls", "Does anyone schedule follow-up calls after a complaint? How do you find the time?"),
            ("Words for saying no", "What words do you use when you have to refuse a request?"),
        ),
    ),
    "LDR": CourseContent(
        tasks=_tasks(
            ("Check-in quiz: leadership styles", "Ten questions on leadership styles and when to use them."),
            (
                "Team situation analysis",
                "Analyse a situation in your team and choose a leadership style for it, with your reasons (800 words).",
                "Situation analysis brief.pdf",
            ),
            (
                "Reflection: a feedback conversation",
                "Describe a feedback conversation you led and what you would keep or change.",
            ),
            "Covers the whole course, including delegation and leading change.",
            (
                "90-day leadership plan",
                "Set three goals for your team for the next 90 days and plan what you will delegate (template "
                "attached).",
                "90-day plan template.docx",
            ),
            (
                "Optional extension: lead a team retrospective",
                "Run a retrospective with your team and share what came out of it.",
            ),
        ),
        activities=(
            "The best leader you have worked with",
            "A decision you would delegate today",
            "What will you do differently?",
        ),
        pages=(
            "Welcome and overview",
            "From doing to leading",
            "Situational leadership",
            "Running one-to-ones",
            "Giving feedback",
            "Receiving feedback",
            "Setting goals",
            "Delegation",
            "Leading through change",
            "Review and next steps",
        ),
        responses=(
            "<p>The biggest change for me has been planning my week before it starts.</p>",
            "<p>I moved my one-to-ones to the same time every fortnight and stopped cancelling them.</p>",
            "<p>I delegated the weekly report; it took longer to explain than to do, the first time only.</p>",
            "<p>I asked my team for feedback on our meetings; we cut them from an hour to thirty minutes.</p>",
        ),
        activity_answers=(
            "She always asked what I thought before telling me what she thought.",
            "The rota: someone in the team would do it better than I do.",
            "I will ask more questions and give fewer answers.",
            "I will say thank you for specific things, not just 'good job'.",
        ),
        learned=(
            "Feedback works better when it is specific.",
            "Delegating is not the same as dumping work.",
            "Different people need different styles.",
            "Change needs a reason people can repeat.",
        ),
        topics=(
            ("Leading former peers", "I now lead the team I used to be part of. How did you handle that change?"),
            ("One-to-ones that matter", "What questions do you ask in one-to-ones to get past 'all good'?"),
            ("Delegating to a busy team", "Everyone is flat out. How do you delegate without overloading people?"),
            ("Feedback upwards", "Has anyone given their own manager feedback? How did it go?"),
            ("Remote team check-ins", "Half my team works from home. How do you keep everyone connected?"),
            ("Change fatigue", "We have had three restructures in two years. How do you lead yet another change?"),
        ),
    ),
    "DAT": CourseContent(
        tasks=_tasks(
            ("Check-in quiz: reading charts", "Ten questions on reading charts, tables and axes."),
            (
                "Dashboard critique",
                "Pick a dashboard your team uses and critique it: what it shows, what it hides and what you would "
                "change (800 words).",
                "Dashboard critique brief.pdf",
            ),
            (
                "Reflection: a decision made with data",
                "Describe a decision you made with data and what the numbers did not tell you.",
            ),
            "Covers the whole course, including correlation, causation and data quality.",
            (
                "Business question brief",
                "Frame one business question your data could answer and plan how to answer it (template attached).",
                "Business question template.docx",
            ),
            (
                "Optional extension: explain a chart to your team",
                "Present one chart to your team and note the questions they asked.",
            ),
        ),
        activities=("A chart that misled you", "Correlation or causation?", "What question would you ask your data?"),
        pages=(
            "Welcome and overview",
            "Why data literacy matters",
            "Reading charts and tables",
            "Averages, medians and spread",
            "Correlation and causation",
            "Dashboards that help",
            "Asking a good business question",
            "Data quality",
            "Presenting numbers",
            "Review and next steps",
        ),
        responses=(
            "<p>Our sales dashboard showed totals only; I added the median order value and it changed the story.</p>",
            "<p>The y-axis on our weekly report started at 80, which made every dip look like a crisis.</p>",
            "<p>We asked whether late deliveries drive cancellations; the data says they explain about a third.</p>",
            "<p>Half of our customer records had no region, so the regional chart was misleading.</p>",
        ),
        activity_answers=(
            "A bar chart whose axis did not start at zero.",
            "Ice cream sales and sunburn: both follow the weather.",
            "Which customers stop ordering after their first complaint?",
            "Our dashboard has twelve charts and nobody knows which one matters.",
        ),
        learned=(
            "Always check where the axis starts.",
            "The median tells a different story from the mean.",
            "A good question comes before the data.",
            "Correlation alone proves nothing.",
        ),
        topics=(
            ("Too many dashboards", "We have a dashboard for everything and nobody looks at them. Sound familiar?"),
            ("Excel or Power BI?", "For a small team, is it worth moving from Excel to a BI tool?"),
            ("Averages in reports", "Our reports only show averages. How do you convince people to look at spread?"),
            ("Bad data", "What do you do when the data you need is incomplete?"),
            ("Presenting to executives", "How many numbers can you put on one slide for the leadership team?"),
            ("Surveys", "Are our customer survey results biased because only unhappy customers answer?"),
        ),
    ),
    "TRM": CourseContent(
        tasks=_tasks(
            ("Check-in quiz: pronunciation and greetings", "Ten questions on the vowels, common words and greetings."),
            (
                "Pepeha presentation",
                "Record yourself introducing yourself with a simple pepeha (two to three minutes) and upload it with "
                "a written version.",
                "Pepeha guide.pdf",
            ),
            (
                "Reflection: te reo Māori at work this week",
                "Describe where you used te reo Māori at work this week and how people responded.",
            ),
            "Covers the whole course, including tikanga and Te Tiriti o Waitangi.",
            (
                "Mihi for a team hui",
                "Write and deliver a short mihi to open a team hui (template attached).",
                "Mihi template.docx",
            ),
            (
                "Optional extension: a kupu a week",
                "Teach your team one kupu (word) a week for a month and share how it went.",
            ),
        ),
        activities=("Place names of your area", "Greetings you already use", "One kupu to use this week"),
        pages=(
            "Nau mai, haere mai: welcome",
            "The vowels and pronunciation",
            "Place names of your region",
            "Greetings and farewells",
            "Mihi in a professional setting",
            "Your pepeha",
            "Tikanga in the workplace",
            "Te Tiriti o Waitangi at work",
            "Waiata and karakia",
            "Review and next steps",
        ),
        responses=(
            "<p>I opened our Monday meeting with 'Mōrena koutou' and two colleagues answered in te reo.</p>",
            "<p>I practised my pepeha with my whānau before recording it; naming my maunga was the hardest part.</p>",
            "<p>I now pronounce the names of our Whangārei and Taupō sites correctly, and others have noticed.</p>",
            "<p>I signed my emails 'Ngā mihi' all week; everyone understood and two people asked what it means.</p>",
        ),
        activity_answers=(
            "Tauranga and Maungatapu: I had been saying both wrong for years.",
            "Kia ora, mōrena and ka kite anō.",
            "I will use 'ka pai' with my team this week.",
            "I would like to learn the karakia we use to open hui.",
        ),
        learned=(
            "The five vowel sounds.",
            "What a pepeha is and why it matters.",
            "Tikanga around food at a hui.",
            "The principles of Te Tiriti.",
        ),
        topics=(
            ("Practising pronunciation", "How do you practise the vowel sounds during the working day?"),
            ("Pepeha nerves", "I feel nervous about sharing my pepeha. Any tips from those who have done it?"),
            ("Te reo in emails", "Which greetings and sign-offs do you use in work emails?"),
            (
                "Karakia before meetings",
                "Our team has started opening meetings with a karakia. How did yours introduce it?",
            ),
            ("Place names", "Share a place name near you and what it means."),
            ("Macrons on a work laptop", "How do you type macrons on a work laptop? Mine has no Māori keyboard."),
        ),
    ),
    "PMF": CourseContent(
        tasks=_tasks(
            ("Check-in quiz: scope and deliverables", "Ten questions on scope, deliverables and success criteria."),
            (
                "Project charter",
                "Write a one-page charter for a real or planned project: scope, deliverables, success criteria and "
                "stakeholders.",
                "Project charter brief.pdf",
            ),
            (
                "Reflection: a project that went off track",
                "Describe a project that went off track, why, and what you would do differently.",
            ),
            "Covers the whole course, including scheduling, risk and agile delivery.",
            (
                "Schedule and risk register",
                "Build a schedule with its critical path and a risk register for your project (template attached).",
                "Schedule and risk register template.docx",
            ),
            (
                "Optional extension: run a retrospective",
                "Run a retrospective at the end of a project stage and share the actions.",
            ),
        ),
        activities=(
            "A project you are proud of",
            "Your biggest stakeholder challenge",
            "Predictive or agile for your next project?",
        ),
        pages=(
            "Welcome and overview",
            "What makes a project",
            "Scope and deliverables",
            "Success criteria",
            "Building a schedule",
            "The critical path",
            "Risks and issues",
            "Stakeholders and communication",
            "Predictive and agile delivery",
            "Closing a project",
        ),
        responses=(
            "<p>We trialled the new process for two weeks; it saved about an hour a day.</p>",
            "<p>Writing the charter showed that nobody had agreed what 'done' meant for the office move.</p>",
            "<p>The critical path ran through supplier approval, so we started that in week one.</p>",
            "<p>Our risk register had twenty risks and no owners; it now has eight, each with a name.</p>",
        ),
        activity_answers=(
            "Moving our call centre to a new building without a day of downtime.",
            "A sponsor who changes the scope in every meeting.",
            "Agile: the requirements will change once people see the first version.",
            "I'll try a short retrospective after our next milestone.",
        ),
        learned=(
            "Scope creep starts with small favours.",
            "Every risk needs an owner.",
            "The critical path is not the longest task.",
            "Agile still needs a plan.",
        ),
        topics=(
            ("Scope creep", "How do you say no to 'just one more small thing' from a sponsor?"),
            ("Gantt charts", "Does anyone still use Gantt charts day to day, or only for the sponsor?"),
            ("Risk registers nobody reads", "How do you keep a risk register alive after the kick-off?"),
            ("Agile in a non-IT team", "Has anyone tried stand-ups and sprints outside IT?"),
            ("Estimating", "Our estimates are always too optimistic. What helps?"),
            ("Closing projects", "Projects here never really end; they fade away. How do you close one properly?"),
        ),
    ),
}

# Generic texts: they fit every course.
FEEDBACK = (
    "Well structured and clearly argued. Good use of examples from your own workplace.",
    "A solid piece of work. Next time, link your recommendations back to the evidence.",
    "Good effort. Please say more about the options you considered and why you chose this one.",
    "Excellent - this is exactly the level of reflection we were looking for.",
    "You have met the criteria. Consider how you might share this with your team.",
)
FOLLOW_UPS = (
    "Thanks for the update - I have adjusted the mark.",
    "Following our conversation, here are a couple more pointers.",
    "Great resubmission; the new section addresses my earlier comments.",
)
NOTES = (
    "Great summary, worth re-reading before the quiz.",
    "This links nicely with what we do at work.",
    "Remember to check the template in the resources section.",
    "I found the second example the most useful.",
    "Question for the group: how do you apply this in a small team?",
)
COMMENTS = (
    "Great point, we see the same in our team.",
    "Thanks for sharing, that is really helpful.",
    "I tried this last week and it worked better than I expected.",
    "Could you say more about how you went about it?",
    "Same question here.",
    "We had the same problem; what helped was starting small.",
    "Interesting, I had not thought about it that way.",
)
REPLIES = (
    "Thanks!",
    "Good to know, I will try that.",
    "Agreed.",
    "Happy to share our template if it helps.",
    "That makes sense, thank you.",
)
FACILITATOR_ANSWERS = (
    "Good question - yes, an example from a previous job is fine.",
    "No problem, I have moved your due date. Let me know if you need anything else.",
    "I have uploaded the template as a PDF too; it is in the resources section.",
    "Use the Submit button at the bottom of the assessment page; message me if it does not appear.",
)


GENERAL_CODE = "CSE"
"""The texts for a course the catalogue does not know (demo seeders run over an organisation's own courses too)."""


def content_of(course_codes: dict[str, str], course_id: str) -> CourseContent:
    """The texts of a course: its own for the demo's courses, general ones for any other."""
    return CONTENT[course_codes.get(course_id, GENERAL_CODE)]
