<?php
// Appended to every sandbox wiki's LocalSettings.php. The farm passes its URL in the
// environment, so a wiki can move to another free port without rewriting its settings.
if ( getenv( 'SANDBOX_SERVER' ) ) {
	$wgServer = getenv( 'SANDBOX_SERVER' );
}
$wgCanonicalServer = $wgServer;
$wgArticlePath = '/wiki/$1';
$wgUsePathInfo = false;
$wgCacheDirectory = getenv( 'SANDBOX_CACHE_DIR' ) ?: $wgCacheDirectory;
$wgSessionCacheType = CACHE_DB;
// Tests save many pages and log in often in a short time.
$wgRateLimits = [];
$wgPasswordAttemptThrottle = [];
$wgAccountCreationThrottle = [];
$wgJobRunRate = 0;
$wgShowExceptionDetails = true;
$wgEnableBotPasswords = true;
$wgEnableEmail = false;
$wgUseInstantCommons = false;
$wgGroupPermissions['sysop']['deletelogentry'] = true;
$wgGroupPermissions['sysop']['deleterevision'] = true;
if ( $wgDBname === 'metawiki' ) {
	// As on Meta-Wiki: the Foundation's grant process lives in these namespaces.
	$wgExtraNamespaces[200] = 'Grants';
	$wgExtraNamespaces[201] = 'Grants_talk';
	$wgNamespacesWithSubpages[200] = true;
	$wgNamespacesWithSubpages[201] = true;
	$wgNamespacesWithSubpages[NS_MAIN] = true;
}
