// smoke.js drives the official Genesys JavaScript SDK (npm
// purecloud-platform-client-v2) against a convdiag simulated org through the
// SDK's gateway setting: login, the reads convdiag makes, a participant
// PATCH that fails and one that works, the grant reads (subject, OAuth
// client, role, permitted divisions), with the statuses, codes and headers
// of the real API. It prints one JSON line of what it saw; the Go test
// judges it.
//
//   node smoke.js BASE_URL CONVERSATION_ID ENDED_PARTICIPANT LIVE_PARTICIPANT
//
// The SDK comes from testdata/sdk/install.sh (npm), or NODE_PATH.
const platformClient = require('purecloud-platform-client-v2');

async function main() {
	const [base, convId, endedId, liveId] = process.argv.slice(2);
	const u = new URL(base);
	const client = platformClient.ApiClient.instance;
	client.setGateway({ host: u.hostname, port: Number(u.port), protocol: u.protocol.replace(':', '') });
	const out = {};
	await client.loginClientCredentialsGrant('sdk-client', 'sdk-secret');
	out.login = 'ok';
	const tokens = new platformClient.TokensApi();
	const me = await tokens.getTokensMe();
	out.org = me.organization && me.organization.name;
	// The grant reads: the subject, the OAuth client logged in as, its
	// first role, and the divisions where it may disconnect.
	const authz = new platformClient.AuthorizationApi();
	const subject = await authz.getAuthorizationSubjectsMe();
	out.subjectGrants = subject.grants.length;
	const oauth = new platformClient.OAuthApi();
	const oc = await oauth.getOauthClient('sdk-client');
	out.clientRoles = oc.roleDivisions.length;
	const role = await authz.getAuthorizationRole(oc.roleDivisions[0].roleId);
	out.rolePermissions = role.permissions;
	const permitted = await authz.getAuthorizationDivisionspermittedPagedMe('conversation:communication:disconnect');
	out.permittedTotal = permitted.total;
	const conv = new platformClient.ConversationsApi();
	const c = await conv.getConversation(convId);
	out.participants = c.participants.length;
	const call = await conv.getConversationsCall(convId);
	out.callParticipants = call.participants.length;
	try {
		await conv.patchConversationParticipant(convId, endedId, { state: 'disconnected' });
		out.ended = 'no error';
	} catch (e) {
		out.ended = { status: e.status, code: e.code, contextId: !!e.contextId };
	}
	try {
		await conv.patchConversationsCallParticipant(convId, liveId, { state: 'disconnected' });
		out.calls = 'no error';
	} catch (e) {
		out.calls = { status: e.status, code: e.code };
	}
	await conv.patchConversationParticipant(convId, liveId, { state: 'disconnected' });
	const after = await conv.getConversation(convId);
	const p = after.participants.find((x) => x.id === liveId);
	out.dropped = p.calls.every((k) => k.state === 'disconnected');
	console.log(JSON.stringify(out));
}

main().catch((e) => {
	console.log(JSON.stringify({ error: String(e && (e.message || e.body && e.body.message || e)), status: e && e.status }));
	process.exit(1);
});
