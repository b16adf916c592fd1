<?php
// Appended to every sandbox wiki's LocalSettings.php. The farm passes its folder in the
// environment (SANDBOX_FARM), where servers.json says where each wiki answers now, so a wiki
// can move to another free port without rewriting its settings.
$sandboxFarm = getenv( 'SANDBOX_FARM' );
$sandboxServers = [];
if ( is_readable( "$sandboxFarm/servers.json" ) ) {
	$sandboxServers = json_decode( file_get_contents( "$sandboxFarm/servers.json" ), true );
}
$wgServer = $sandboxServers[$wgDBname] ?? $wgServer;
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
// As on the English Wikipedia, a group administrators give and take, often for a time.
$wgGroupPermissions['rollbacker']['rollback'] = true;
$wgAddGroups['sysop'][] = 'rollbacker';
$wgRemoveGroups['sysop'][] = 'rollbacker';
if ( $wgDBname === 'metawiki' ) {
	// As on Meta-Wiki: the Foundation's grant process lives in these namespaces.
	$wgExtraNamespaces[200] = 'Grants';
	$wgExtraNamespaces[201] = 'Grants_talk';
	$wgNamespacesWithSubpages[200] = true;
	$wgNamespacesWithSubpages[201] = true;
	$wgNamespacesWithSubpages[NS_MAIN] = true;
}

// Every wiki's SQLite files and the central database in one folder: MediaWiki's SQLite driver
// opens a database by its name in $wgSQLiteDataDir, so CentralAuth reads the other wikis.
$wgSQLiteDataDir = "$sandboxFarm/data";
// No fsync after each write: seeding writes thousands of revisions on a machine other jobs
// share, and a farm that a crash broke is made again by `python -m sandbox up`.
$wgDBservers = [ [
	'host' => '', 'user' => '', 'password' => '', 'dbname' => $wgDBname, 'type' => 'sqlite',
	'load' => 1, 'flags' => DBO_DEFAULT, 'variables' => [ 'synchronous' => 'OFF' ],
] ];
$wgObjectCaches[CACHE_DB]['server']['dbDirectory'] = $wgSQLiteDataDir;
$wgLocalisationCacheConf['storeServer']['dbDirectory'] = $wgSQLiteDataDir;
// Jobs in each wiki's own database: CentralAuth pushes jobs to the other wikis (a global
// rename), and a queue named after the pushing process's wiki would swallow them.
$wgJobTypeConf['default'] = [ 'class' => 'JobQueueDB', 'claimTTL' => 3600 ];

// The farm, for WikiMap and CentralAuth: which wikis there are and where each answers.
$wgLocalDatabases = [ 'metawiki', 'enwiki', 'dewiki' ];
$wgConf->wikis = $wgLocalDatabases;
$wgConf->suffixes = [ 'wiki' ];
$wgConf->settings['wgServer'] = $sandboxServers;
$wgConf->settings['wgCanonicalServer'] = $sandboxServers;
$wgConf->settings['wgArticlePath']['default'] = '/wiki/$1';
$wgConf->settings['wgScriptPath']['default'] = '/w';

// Wikimedia's extensions, unpacked from sandbox/extensions/ into the farm. The farm turns
// some off while it prepares the databases (SANDBOX_WITHOUT lists them).
$sandboxWithout = array_filter( explode( ',', getenv( 'SANDBOX_WITHOUT' ) ?: '' ) );
$sandboxExtensions = "$sandboxFarm/extensions";
$wgExtensionAssetsPath = '/w-extensions';  // docroot/w-extensions is $sandboxExtensions

if ( !in_array( 'CentralAuth', $sandboxWithout, true ) ) {
	wfLoadExtension( 'Renameuser', "$IP/extensions/Renameuser/extension.json" );
	wfLoadExtension( 'CentralAuth', "$sandboxExtensions/CentralAuth/extension.json" );
	$wgCentralAuthDatabase = 'centralauth';
	$wgCentralAuthAutoMigrate = true;
	$wgCentralAuthAutoMigrateNonGlobalAccounts = true;
	$wgCentralAuthCreateOnView = true;
	if ( $wgDBname === 'metawiki' ) {
		// Meta's bureaucrats appoint the first stewards; stewards do the rest, as in production.
		$wgGroupPermissions['bureaucrat']['globalgroupmembership'] = true;
	}
}
if ( !in_array( 'GlobalBlocking', $sandboxWithout, true ) ) {
	wfLoadExtension( 'GlobalBlocking', "$sandboxExtensions/GlobalBlocking/extension.json" );
	$wgGlobalBlockingDatabase = 'centralauth';
	$wgApplyGlobalBlocks = true;
}
if ( $wgDBname === 'metawiki' ) {
	// Meta-Wiki translates the program page and its FAQ.
	wfLoadExtension(
		'UniversalLanguageSelector', "$sandboxExtensions/UniversalLanguageSelector/extension.json"
	);
	$wgULSGeoService = false;  // no look-ups outside the farm
	$wgULSWebfontsEnabled = false;  // the tarball leaves the fonts out
	wfLoadExtension( 'Translate', "$sandboxExtensions/Translate/extension.json" );
	$wgGroupPermissions['sysop']['pagetranslation'] = true;
	$wgGroupPermissions['user']['translate'] = true;
	$wgTranslateDocumentationLanguageCode = 'qqq';
	$wgTranslateTranslationServices = [];
	$wgTranslateTranslationDefaultService = false;
	$wgPageLanguageUseDB = true;
}
