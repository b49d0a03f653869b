/** The Next.js scratch project's settings: nothing beyond the defaults but a quiet build. */
export default { poweredByHeader: false };
