// The pre-start checks the operator confirms before any program (brief: cover on the bed, and the
// screening questions asked). A "yes" to any question means no session today.

export const SCREENING_QUESTIONS = [
  { key: "pacemakerOrImplants", text: "A pacemaker, or other electronic or metal implants?" },
  { key: "pregnancy", text: "Pregnant, or might be?" },
  { key: "osteoporosis", text: "Osteoporosis or fragile bones?" },
  { key: "recentSurgery", text: "Recent surgery?" },
  { key: "diabetes", text: "Diabetes (less feeling for heat in the skin)?" },
] as const;

export type ScreeningKey = (typeof SCREENING_QUESTIONS)[number]["key"];
export type ScreeningAnswers = Record<ScreeningKey, boolean>;

/** Plain words for the operator when an answer rules the bed out. */
export function screeningRefusal(answers: ScreeningAnswers): string | undefined {
  const yes = SCREENING_QUESTIONS.filter((q) => answers[q.key]);
  if (yes.length === 0) return undefined;
  const what = yes.map((q) => q.text.replace(/\?$/, "").toLowerCase()).join("; ");
  return `Not today: the answer was yes to "${what}". Heat and pressure need a doctor's clearance first.`;
}
