/* A part of a page that shows work under way (a capture, a report being gathered) follows it:
   every few seconds the page is asked again and the part's fresh content put in its place,
   where its live region says it. The page itself is never reloaded on a timer, which would
   move a screen reader's place and lose what is being typed elsewhere on it (WCAG 2.2.1).
   Without JavaScript, the page's <noscript> refresh reloads it instead. */
( function () {
	function later( part, seconds ) {
		window.setTimeout( function () {
			ask( part );
		}, seconds * 1000 );
	}

	function ask( part ) {
		fetch( window.location.href, { credentials: 'same-origin' } ).then( function ( response ) {
			if ( !response.ok ) {
				throw new Error( response.status );
			}
			return response.text();
		} ).then( function ( html ) {
			var fresh = new DOMParser().parseFromString( html, 'text/html' ).getElementById( part.id );
			if ( !fresh ) {
				window.location.reload(); // the work is done and the page shows it another way
				return;
			}
			part.replaceChildren.apply( part, Array.from( fresh.childNodes ) );
			if ( fresh.hasAttribute( 'data-follow' ) ) {
				later( part, Number( part.dataset.follow ) );
			} else {
				part.removeAttribute( 'data-follow' ); // done: nothing more will change
			}
		} ).catch( function () {
			// The tool did not answer (a restart, a limit): the work goes on; ask later.
			later( part, 5 );
		} );
	}

	document.querySelectorAll( '[data-follow]' ).forEach( function ( part ) {
		later( part, Number( part.dataset.follow ) );
	} );
}() );
