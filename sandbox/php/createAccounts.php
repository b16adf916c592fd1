<?php
// createAndPromote.php for each name in a file, in one process: MediaWiki starts once for all
// the seeded accounts of a wiki instead of once an account, which makes a new farm faster.
// Usage: php createAccounts.php NAMES_FILE PASSWORD (one name a line).
require_once getenv( 'MW_INSTALL_PATH' ) . '/maintenance/Maintenance.php';

class CreateAccounts extends Maintenance {
	public function __construct() {
		parent::__construct();
		$this->addArg( 'names', 'A file with one username a line' );
		$this->addArg( 'password', 'The password of every account' );
	}

	public function execute() {
		$names = file( $this->getArg( 0 ), FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES );
		foreach ( $names as $name ) {
			$create = $this->runChild(
				CreateAndPromote::class, MW_INSTALL_PATH . '/maintenance/createAndPromote.php'
			);
			$create->loadWithArgv( [ $name, $this->getArg( 1 ) ] );
			$create->execute();
		}
	}
}

$maintClass = CreateAccounts::class;
require_once RUN_MAINTENANCE_IF_MAIN;
